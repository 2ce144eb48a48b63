"""A listing taken over by a claim does not hand its earlier orders to the new owner.

Issue #14: once a claim was approved, the new owner saw every order the shop ever had
(the previous owner's customers' names, phones, e-mails, delivery addresses) on the
dashboard, the preparation list, its CSV and each order's page. Ownership now has a start
(accounts.ListingOwnership, written by ``approve_claim``); the new owner sees only the
orders placed since.
"""

import pytest

from geo_directory.accounts.claims import approve_claim, create_claim
from geo_directory.accounts.models import ListingOwnership
from geo_directory.orders.services import place_order
from tests.factories import (
    customer,
    lines,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken_over(shop, django_capture_on_commit_callbacks):
    first_owner, new_owner = shop["merchant"], make_user("repreneur")
    business, slot, menu = shop["business"], shop["slot"], shop["menu"]
    before = place_order(business, lines((menu, 1)), slot.pk, "pickup", customer(n=1))
    claim = create_claim(new_owner, business, "12345678900011")
    approve_claim(claim, decided_by=None)
    after = place_order(business, lines((menu, 2)), slot.pk, "pickup", customer(n=2))
    business.refresh_from_db()
    assert business.owner == new_owner
    return locals()


def test_the_new_owner_sees_only_the_orders_placed_since(client, taken_over):
    before, after = taken_over["before"], taken_over["after"]
    business, slot = taken_over["business"], taken_over["slot"]
    client.force_login(taken_over["new_owner"])

    dashboard = client.get(f"/commercant/commerces/{business.pk}/commandes/").content.decode()
    assert after.number in dashboard and before.number not in dashboard
    assert before.customer_name not in dashboard

    assert client.get(f"/commandes/{after.number}/").status_code == 200
    assert client.get(f"/commandes/{before.number}/").status_code == 404

    prep = client.get(f"/commercant/creneaux/{slot.pk}/preparation/").content.decode()
    assert after.number in prep and before.number not in prep
    export = client.get(f"/commercant/creneaux/{slot.pk}/preparation.csv").content.decode()
    assert after.number in export and before.number not in export
    assert before.phone not in export or before.phone == after.phone

    response = client.post(f"/commercant/commandes/{before.number}/statut/", {"status": "refused"})
    assert response.status_code == 404
    before.refresh_from_db()
    assert before.status == "placed"

    home = client.get("/commercant/commandes/", follow=True).content.decode()
    assert after.number in home and before.number not in home


def test_ownership_starts_at_the_approval(taken_over):
    ownership = ListingOwnership.objects.get(business=taken_over["business"])
    assert ownership.user == taken_over["new_owner"]
    assert taken_over["before"].created_at < ownership.since <= taken_over["after"].created_at


def test_a_listing_created_by_its_owner_shows_all_its_orders(client, shop):
    owner, business, slot = shop["merchant"], shop["business"], shop["slot"]
    order = place_order(business, lines((shop["menu"], 1)), slot.pk, "pickup", customer())
    client.force_login(owner)
    assert client.get(f"/commandes/{order.number}/").status_code == 200
    page = client.get(f"/commercant/commerces/{business.pk}/commandes/").content.decode()
    assert order.number in page
