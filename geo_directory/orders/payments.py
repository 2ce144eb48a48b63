"""The seam for a payment provider (payment itself is out of scope for now).

Today every order is paid on pickup or delivery: ``Order.payment_status`` is
``"on_site"`` and ``start_payment`` returns ``None``, so the checkout goes straight to the
confirmation page. To plug a provider (Stripe, PayPlug, Lyra...):

1. implement ``PaymentProvider`` (create a payment for the order's ``total_cents`` and
   return the URL where the resident pays; verify the provider's webhook);
2. return it from ``get_provider()`` (e.g. from a setting);
3. have ``start_payment`` set ``payment_status="pending"``, ``payment_provider`` and
   ``payment_reference``; the webhook then sets ``paid`` or ``failed``. An order whose
   payment failed would be cancelled with ``services.cancel_order`` (which gives the
   slot place and the stock back); a refused or cancelled paid order would be refunded.
"""

from __future__ import annotations

from typing import Protocol

from .models import Order


class PaymentProvider(Protocol):
    name: str

    def create_payment(self, order: Order, return_url: str) -> tuple[str, str]:
        """Returns (provider reference, URL where the resident pays)."""


def get_provider() -> PaymentProvider | None:
    return None  # paid on site


def start_payment(order: Order, return_url: str) -> str | None:
    """The URL to send the resident to after checkout, or None when paid on site."""
    provider = get_provider()
    if provider is None:
        return None
    reference, url = provider.create_payment(order, return_url)
    order.payment_status = Order.PaymentStatus.PENDING
    order.payment_provider = provider.name
    order.payment_reference = reference
    order.save(update_fields=["payment_status", "payment_provider", "payment_reference"])
    return url
