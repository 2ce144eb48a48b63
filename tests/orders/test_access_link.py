"""A guest's order link cannot be computed: a random token per order, kept hashed,
compared in constant time, revocable by the admin (issue #14).

Before, ``?cle=`` was ``Signer(salt="orders.order-link").signature(number)``: with the
public development key ``make run`` served with, anyone could compute the link of order
RV-2026-000001, read the customer's phone and e-mail, and cancel it.
"""

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.signing import Signer
from django.test import Client

from geo_directory.orders.models import Order
from geo_directory.orders.services import place_order
from tests.factories import customer, lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def guest_order(shop, mailoutbox, django_capture_on_commit_callbacks):
    business, slot, menu = shop["business"], shop["slot"], shop["menu"]
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(business, lines((menu, 1)), slot.pk, "pickup", customer(n=7))
    return order


def _link_in(message) -> str:
    match = re.search(r"/commandes/([\w-]+)/\?cle=(\S+)", message.body)
    assert match, message.body
    return match.group(0)


def test_the_link_is_not_derivable_from_the_order_number_even_with_the_key(client, guest_order):
    for salt in ("orders.order-link", None):
        signer = Signer(salt=salt) if salt else Signer()
        forged = signer.signature(guest_order.number)
        response = client.get(f"/commandes/{guest_order.number}/?cle={forged}")
        assert response.status_code == 404
        response = client.post(f"/commandes/{guest_order.number}/annuler/", {"cle": forged})
        assert response.status_code == 404
    guest_order.refresh_from_db()
    assert guest_order.status == "placed"


def test_the_token_is_random_stored_hashed_and_mailed(client, guest_order, mailoutbox):
    token = guest_order.issued_access_token
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    stored = Order.objects.get(pk=guest_order.pk).access_token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored
    link = _link_in(mailoutbox[-1])
    assert link.endswith(f"?cle={token}")
    page = client.get(link)
    assert page.status_code == 200
    assert guest_order.phone in page.content.decode()
    # Two orders of the same customer, same second: unrelated tokens.
    other = place_order(
        guest_order.business,
        lines((guest_order.lines.first().product, 1)),
        guest_order.slot_id,
        "pickup",
        customer(n=7),
    )
    assert other.issued_access_token != token
    assert client.get(f"/commandes/{other.number}/?cle={token}").status_code == 404


def test_no_token_no_link(client, guest_order):
    Order.objects.filter(pk=guest_order.pk).update(access_token_hash="")
    assert client.get(f"/commandes/{guest_order.number}/?cle=").status_code == 404
    assert client.get(f"/commandes/{guest_order.number}/?cle=x").status_code == 404


def test_the_admin_revokes_and_reissues_the_link(
    guest_order, mailoutbox, django_capture_on_commit_callbacks
):
    old = f"/commandes/{guest_order.number}/?cle={guest_order.issued_access_token}"
    visitor = Client()
    assert visitor.get(old).status_code == 200
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("lien-admin", "a@b.fr", "x"))
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/orders/order/",
            {"action": "reissue_link", "_selected_action": [guest_order.pk]},
        )
    assert response.status_code == 302
    assert visitor.get(old).status_code == 404
    assert len(mailoutbox) == sent + 1
    assert mailoutbox[-1].to == [guest_order.email]
    assert "nouveau lien" in mailoutbox[-1].subject
    new = _link_in(mailoutbox[-1])
    assert visitor.get(new).status_code == 200

    admin.post(
        "/admin/orders/order/", {"action": "revoke_link", "_selected_action": [guest_order.pk]}
    )
    assert visitor.get(new).status_code == 404
