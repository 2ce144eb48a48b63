"""« Mes commandes » for residents who ordered without an account.

They ask for a link at the address they ordered with; opening it proves they read that
mailbox, and their session then shows every order placed with that address. The answer to
the request is the same whether or not the address placed an order, so the form tells no
one who ordered where.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.mail import send_mail
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import GuestAccessLink, Order, hash_access_token

LINK_LIFETIME = timedelta(hours=1)
SESSION_KEY = "orders_guest_email"
TOKEN_BYTES = 32


def orders_with_email(email: str):
    return Order.objects.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())


def send_link(email: str, site_url: str) -> bool:
    """E-mail a sign-in link if orders were placed with ``email``; True when one was sent."""
    email = email.strip()
    if not orders_with_email(email).exists():
        return False
    # Expired links are of no use to anyone: drop them as new ones are made.
    GuestAccessLink.objects.filter(created_at__lt=timezone.now() - LINK_LIFETIME).delete()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    GuestAccessLink.objects.create(email=email.lower(), token_hash=hash_access_token(token))
    url = site_url.rstrip("/") + reverse("orders:guest_access", args=[token])
    body = render_to_string(
        "orders/email/guest_access.txt", {"url": url, "minutes": LINK_LIFETIME.seconds // 60}
    )
    send_mail("Vos commandes sur Sauvons Noël", body, None, [email])
    return True


def email_for_token(token: str) -> str | None:
    """The address a still-valid link was sent to, or None."""
    if not token or len(token) > 100:
        return None
    link = GuestAccessLink.objects.filter(
        token_hash=hash_access_token(token),
        created_at__gte=timezone.now() - LINK_LIFETIME,
    ).first()
    return link.email if link else None


def session_email(request) -> str:
    return request.session.get(SESSION_KEY, "")


def may_see(request, order: Order) -> bool:
    """The session proved it reads the mailbox the order was placed with."""
    email = session_email(request)
    return bool(email) and order.email.lower() == email
