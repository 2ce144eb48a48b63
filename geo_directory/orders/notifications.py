"""The emails a resident receives: the confirmation, then one per status change.

Sent after the transaction commits (``transaction.on_commit`` in services), so a rolled
back checkout never sends anything.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Order


def order_url(order: Order, site_url: str = "") -> str:
    """The link to the order: a signed link for a guest, the plain page for an account."""
    path = reverse("orders:order_detail", args=[order.number])
    if order.user_id is None:
        path += f"?cle={order.access_token()}"
    return site_url.rstrip("/") + path


def _send(order: Order, subject: str, template: str, site_url: str) -> None:
    order = Order.objects.select_related("business", "slot", "campaign").get(pk=order.pk)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "url": order_url(order, site_url),
    }
    body = render_to_string(template, context)
    send_mail(subject, body, None, [order.email])


def order_placed(order: Order, site_url: str = "") -> None:
    _send(
        order,
        f"Commande {order.number} confirmée — {order.business.name}",
        "orders/email/order_placed.txt",
        site_url,
    )


def status_changed(order: Order, site_url: str = "") -> None:
    _send(
        order,
        f"Commande {order.number} : {order.get_status_display()} — {order.business.name}",
        "orders/email/status_changed.txt",
        site_url,
    )
