"""The emails a resident receives: the confirmation, then one per status change.

Sent after the transaction commits (``transaction.on_commit`` in services), so a rolled
back checkout never sends anything.

A guest's link to the order carries a random token that only exists in memory when it is
issued (the database keeps its hash): the confirmation e-mail carries it, and so does the
e-mail sent when the admin re-issues it; status e-mails point to the confirmation's link.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Order


def order_url(order: Order, site_url: str = "", token: str | None = None) -> str:
    """The link to the order: with its token for a guest, the plain page for an account.

    A guest's link needs the token just issued; without it there is no link to give."""
    path = reverse("orders:order_detail", args=[order.number])
    if order.user_id is None:
        if not token:
            return ""
        path += f"?cle={token}"
    return site_url.rstrip("/") + path


def _send(order: Order, subject: str, template: str, site_url: str, token=None) -> None:
    order = Order.objects.select_related("business", "slot", "campaign").get(pk=order.pk)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "url": order_url(order, site_url, token),
    }
    body = render_to_string(template, context)
    send_mail(subject, body, None, [order.email])


def order_placed(order: Order, site_url: str = "", token: str | None = None) -> None:
    _send(
        order,
        f"Commande {order.number} confirmée — {order.business.name}",
        "orders/email/order_placed.txt",
        site_url,
        token,
    )


def link_reissued(order: Order, site_url: str, token: str) -> None:
    _send(
        order,
        f"Commande {order.number} : votre nouveau lien de suivi — {order.business.name}",
        "orders/email/link_reissued.txt",
        site_url,
        token,
    )


def status_changed(order: Order, site_url: str = "") -> None:
    _send(
        order,
        f"Commande {order.number} : {order.get_status_display()} — {order.business.name}",
        "orders/email/status_changed.txt",
        site_url,
    )
