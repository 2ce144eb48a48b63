"""Order data is visible only to its resident and its merchant."""

import pytest

from geo_directory.orders.services import place_order
from tests.factories import (
    customer,
    lines,
    make_business,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(shop):
    merchant, business, campaign = shop["merchant"], shop["business"], shop["campaign"]
    slot, menu = shop["slot"], shop["menu"]
    other_merchant = make_user("concurrent")
    resident, stranger = make_user("resident"), make_user("curieux")
    other = make_business(name="Autre traiteur", owner=other_merchant)
    mine = place_order(business, lines((menu, 1)), slot.pk, "pickup", customer(user=resident))
    guest = place_order(business, lines((menu, 1)), slot.pk, "pickup", customer(n=2))
    return locals()


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "order", "visible"),
    [
        ("resident", "mine", True),
        ("merchant", "mine", True),
        ("merchant", "guest", True),
        ("stranger", "mine", False),
        ("other_merchant", "mine", False),
        (None, "mine", False),
        ("resident", "guest", False),
        (None, "guest", False),
    ],
)
def test_order_page_visibility(client, setup, who, order, visible):
    login(client, setup[who] if who else None)
    response = client.get(f"/commandes/{setup[order].number}/")
    assert response.status_code == (200 if visible else 404)


def test_signed_link_opens_only_its_own_order(client, setup):
    guest, mine = setup["guest"], setup["mine"]
    assert (
        client.get(f"/commandes/{guest.number}/?cle={guest.issued_access_token}").status_code == 200
    )
    assert client.get(f"/commandes/{guest.number}/?cle=forged").status_code == 404
    # A valid token for one order does not open another.
    assert (
        client.get(f"/commandes/{mine.number}/?cle={guest.issued_access_token}").status_code == 404
    )


def test_only_the_resident_cancels(client, setup):
    mine = setup["mine"]
    login(client, setup["merchant"])  # the merchant refuses, he does not cancel
    assert client.post(f"/commandes/{mine.number}/annuler/").status_code == 404
    client.logout()
    login(client, setup["stranger"])
    assert client.post(f"/commandes/{mine.number}/annuler/").status_code == 404
    mine.refresh_from_db()
    assert mine.status == "placed"
    guest = setup["guest"]
    client.logout()
    client.post(f"/commandes/{guest.number}/annuler/", {"cle": guest.issued_access_token})
    guest.refresh_from_db()
    assert guest.status == "cancelled"


def test_merchant_pages_are_for_the_owner_only(client, setup):
    slot, business, mine = setup["slot"], setup["business"], setup["mine"]
    urls = [
        f"/commercant/commerces/{business.pk}/commandes/",
        f"/commercant/creneaux/{slot.pk}/preparation/",
        f"/commercant/creneaux/{slot.pk}/preparation.csv",
    ]
    assert all(client.get(url).status_code == 302 for url in urls)  # to the login page
    login(client, setup["other_merchant"])
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    response = client.post(f"/commercant/commandes/{mine.number}/statut/", {"status": "accepted"})
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == "placed"
    client.logout()
    login(client, setup["merchant"])
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


def test_my_orders_lists_only_mine(client, setup):
    # A visitor without an account or a proven address gets the form, not a list.
    anonymous = client.get("/mes-commandes/").content.decode()
    assert setup["mine"].number not in anonymous and setup["guest"].number not in anonymous
    assert "Recevoir le lien" in anonymous
    login(client, setup["stranger"])
    assert setup["mine"].number not in client.get("/mes-commandes/").content.decode()
    client.logout()
    login(client, setup["resident"])
    page = client.get("/mes-commandes/").content.decode()
    assert setup["mine"].number in page and setup["guest"].number not in page
