"""« Mes commandes » for a guest: a sign-in link sent to the address used for ordering,
never the merchants' login."""

import re
from html import unescape

import pytest
from django.core import mail
from django.utils import timezone

from geo_directory.orders.models import GuestAccessLink
from geo_directory.orders.services import place_order
from tests.factories import customer, lines, make_user

pytestmark = pytest.mark.django_db
MY_ORDERS = "/mes-commandes/"


@pytest.fixture
def guest_order(shop):
    order = place_order(
        shop["business"],
        lines((shop["menu"], 2)),
        shop["slot"].pk,
        "pickup",
        customer(n=7),  # resident7@example.fr, no account
    )
    mail.outbox.clear()
    return order


def link_in(message) -> str:
    return re.search(r"http://testserver(/mes-commandes/acces/\S+/)", message.body).group(1)


def test_a_guest_gets_a_form_not_the_merchants_login(client):
    response = client.get(MY_ORDERS)
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Vous avez commandé sans compte ?" in page
    assert "Recevoir le lien" in page


def test_the_link_shows_the_guests_orders_and_opens_them(client, guest_order):
    response = client.post(MY_ORDERS, {"email": "Resident7@Example.fr"}, follow=True)
    assert "un lien pour les voir vient d'y être envoyé" in unescape(response.content.decode())
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["Resident7@Example.fr"]
    link = link_in(mail.outbox[0])

    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == MY_ORDERS
    page = unescape(client.get(MY_ORDERS).content.decode())
    assert guest_order.number in page
    assert "resident7@example.fr" in page
    # the order itself, without the token of the confirmation e-mail
    detail = client.get(f"/commandes/{guest_order.number}/")
    assert detail.status_code == 200
    assert "Annuler" in unescape(detail.content.decode())


def test_same_answer_and_no_mail_for_an_address_without_orders(client, guest_order):
    response = client.post(MY_ORDERS, {"email": "personne@example.fr"}, follow=True)
    assert "un lien pour les voir vient d'y être envoyé" in unescape(response.content.decode())
    assert mail.outbox == []
    assert not GuestAccessLink.objects.exists()


def test_another_address_sees_nothing(client, shop, guest_order):
    other = place_order(
        shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer(n=8)
    )
    mail.outbox.clear()
    client.post(MY_ORDERS, {"email": "resident8@example.fr"})
    client.get(link_in(mail.outbox[0]))
    page = unescape(client.get(MY_ORDERS).content.decode())
    assert other.number in page and guest_order.number not in page
    assert client.get(f"/commandes/{guest_order.number}/").status_code == 404


def test_an_expired_or_forged_link_opens_nothing(client, guest_order):
    client.post(MY_ORDERS, {"email": "resident7@example.fr"})
    link = link_in(mail.outbox[0])
    GuestAccessLink.objects.update(created_at=timezone.now() - timezone.timedelta(hours=2))
    response = client.get(link, follow=True)
    assert "Ce lien n'est plus valable" in unescape(response.content.decode())
    assert guest_order.number not in unescape(client.get(MY_ORDERS).content.decode())
    forged = client.get("/mes-commandes/acces/" + "A" * 43 + "/", follow=True)
    assert "Ce lien n'est plus valable" in unescape(forged.content.decode())
    assert client.get(f"/commandes/{guest_order.number}/").status_code == 404


def test_the_token_is_random_and_stored_hashed(client, guest_order):
    for _ in range(2):
        client.post(MY_ORDERS, {"email": "resident7@example.fr"})
    tokens = [link_in(m).split("/")[-2] for m in mail.outbox]
    assert len(set(tokens)) == 2 and all(len(t) >= 43 for t in tokens)
    stored = set(GuestAccessLink.objects.values_list("token_hash", flat=True))
    assert not stored & set(tokens)


def test_an_invalid_address_gets_a_french_error(client):
    response = client.post(MY_ORDERS, {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Adresse e-mail invalide" in unescape(response.content.decode())


def test_an_account_still_sees_its_own_orders(client, shop):
    user = make_user("cliente", email="cliente@example.fr")
    order = place_order(
        shop["business"], lines((shop["menu"], 1)), shop["slot"].pk, "pickup", customer(user, 9)
    )
    client.force_login(user)
    page = unescape(client.get(MY_ORDERS).content.decode())
    assert order.number in page
    assert "Vous avez commandé sans compte ?" not in page
