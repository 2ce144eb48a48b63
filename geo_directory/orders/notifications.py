"""The e-mails a resident receives (the confirmation, then one per status change), and the
alerts the shop receives (each new order, each cancellation; a daily summary per slot).

Sent after the transaction commits (``transaction.on_commit`` in services), so a rolled
back checkout never sends anything.

A guest's link to the order carries a random token that only exists in memory when it is
issued (the database keeps its hash): the confirmation e-mail carries it, and so does the
e-mail sent when the admin re-issues it; status e-mails point to the confirmation's link.

The shop is told at its owner's address and at the listing's published e-mail (when it has
one), and by text message when the listing's phone is a mobile (06/07), through the
``SMS_BACKEND`` of geo_directory/notifications/sms.py. A failing SMS provider never loses
the e-mail nor the order: the text is sent with ``fail_silently``.
"""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from geo_directory.notifications import sms

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


def _send(order: Order, subject: str, template: str, site_url: str, token=None, **extra) -> None:
    order = Order.objects.select_related("business__owner", "slot", "campaign").get(pk=order.pk)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "url": order_url(order, site_url, token),
        **extra,
    }
    body = render_to_string(template, context)
    send_mail(subject, body, None, [order.email])


def shop_recipients(business) -> list[str]:
    """The owner's address, then the listing's published e-mail if it is another one."""
    owner_email = business.owner.email if business.owner_id else ""
    addresses = []
    for address in (owner_email, business.email):
        address = (address or "").strip()
        if address and address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    return addresses


def dashboard_url(business, site_url: str = "") -> str:
    path = reverse("orders:merchant_dashboard", args=[business.pk])
    return site_url.rstrip("/") + path


def _alert_shop(order: Order, subject: str, template: str, sms_text: str, site_url: str):
    order = Order.objects.select_related("business__owner", "slot", "campaign").get(pk=order.pk)
    business = order.business
    recipients = shop_recipients(business)
    if recipients:
        context = {
            "order": order,
            "lines": list(order.lines.all()),
            "url": dashboard_url(business, site_url),
        }
        send_mail(subject, render_to_string(template, context), None, recipients)
    sms.send_sms(business.phone, sms_text.format(order=order), fail_silently=True)


def _sms_lines(order: Order) -> str:
    return ", ".join(f"{line.quantity} × {line.product_name}" for line in order.lines.all())


def shop_order_placed(order: Order, site_url: str = "") -> None:
    _alert_shop(
        order,
        f"Nouvelle commande {order.number} — {order.customer_name}",
        "orders/email/shop_order_placed.txt",
        "Sauvons Noël : nouvelle commande {order.number} de {order.customer_name}, "
        "{order.slot}. " + _sms_lines(order) + ". Total {order.total}.",
        site_url,
    )


def shop_order_cancelled(order: Order, site_url: str = "") -> None:
    _alert_shop(
        order,
        f"Commande {order.number} annulée par le client — {order.customer_name}",
        "orders/email/shop_order_cancelled.txt",
        "Sauvons Noël : la commande {order.number} de {order.customer_name} "
        "({order.slot}) est annulée par le client.",
        site_url,
    )


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


def status_changed(order: Order, site_url: str = "", note: str = "") -> None:
    """The resident's e-mail; a refusal carries the shop's reason (``note``) and its public
    contact (the listing's phone and e-mail: never the owner's private account address)."""
    _send(
        order,
        f"Commande {order.number} : {order.get_status_display()} — {order.business.name}",
        "orders/email/status_changed.txt",
        site_url,
        reason=note if order.status == Order.Status.REFUSED else "",
    )
