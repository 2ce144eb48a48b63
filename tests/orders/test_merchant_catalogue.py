"""The merchant publishes products and opens a campaign with its slots."""

import pytest
from django.utils import timezone

from geo_directory.orders.models import Campaign, Product, Slot
from geo_directory.orders.services import place_order
from tests.factories import (
    customer,
    lines,
    make_business,
    make_campaign,
    make_product,
    make_slot,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant_client(client):
    merchant = make_user("chef")
    client.force_login(merchant)
    client.business = make_business(owner=merchant)
    return client


def test_create_and_edit_a_product_in_euros(merchant_client):
    business = merchant_client.business
    base = f"/commercant/commerces/{business.pk}/produits/"
    response = merchant_client.post(
        base + "nouveau/",
        {
            "name": "Menu du réveillon",
            "description": "Foie gras, chapon, bûche",
            "price": "65,90",
            "vat_rate": "10.00",
            "allergens": ["gluten", "lait"],
            "available": "on",
            "stock": "10",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(business=business)
    assert (product.price_cents, product.stock, product.allergens) == (6590, 10, ["gluten", "lait"])

    # Checkouts take 3 while the merchant's edit form is open; his price change must not
    # write the stale stock (10) back.
    form = merchant_client.get(f"{base}{product.pk}/").content.decode()
    assert 'value="65,90"' in form
    assert 'name="initial-stock" value="10"' in form  # what the merchant saw
    Product.objects.filter(pk=product.pk).update(stock=7)
    merchant_client.post(
        f"{base}{product.pk}/",
        {
            "name": "Menu du réveillon",
            "description": "Foie gras, chapon, bûche",
            "price": "69,00",
            "vat_rate": "10.00",
            "allergens": ["gluten", "lait"],
            "available": "on",
            "stock": "10",
            "initial-stock": "10",
        },
    )
    product.refresh_from_db()
    assert (product.price_cents, product.stock) == (6900, 7)


def test_open_a_campaign_with_slots(merchant_client):
    business = merchant_client.business
    response = merchant_client.post(
        f"/commercant/commerces/{business.pk}/campagnes/nouvelle/",
        {
            "name": "Réveillon 2026",
            "cutoff_at": "2026-12-22T18:00",
            "offers_pickup": "on",
            "active": "on",
            "slots-TOTAL_FORMS": "2",
            "slots-INITIAL_FORMS": "0",
            "slots-MIN_NUM_FORMS": "0",
            "slots-MAX_NUM_FORMS": "1000",
            "slots-0-kind": "pickup",
            "slots-0-starts_at": "2026-12-24T10:00",
            "slots-0-ends_at": "2026-12-24T12:00",
            "slots-0-capacity": "20",
            "slots-1-kind": "pickup",
            "slots-1-starts_at": "",
            "slots-1-ends_at": "",
            "slots-1-capacity": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    campaign = Campaign.objects.get(business=business)
    slot = campaign.slots.get()
    assert campaign.cutoff_at.isoformat() == "2026-12-22T17:00:00+00:00"  # 18:00 in Paris
    assert (slot.capacity, slot.booked_count) == (20, 0)
    assert str(slot) == "retrait le 24/12/2026 de 10:00 à 12:00"


def test_capacity_cannot_go_below_the_orders_taken(merchant_client):
    business = merchant_client.business
    campaign = make_campaign(business)
    slot = make_slot(campaign, capacity=3)
    menu = make_product(business)
    for n in range(2):
        place_order(business, lines((menu, 1)), slot.pk, "pickup", customer(n=n))
    url = f"/commercant/commerces/{business.pk}/campagnes/{campaign.pk}/"
    page = merchant_client.get(url).content.decode()
    assert "Réveillon 2026" in page
    local = "%Y-%m-%dT%H:%M"
    data = {
        "name": campaign.name,
        "cutoff_at": timezone.localtime(campaign.cutoff_at).strftime(local),
        "offers_pickup": "on",
        "offers_delivery": "on",
        "active": "on",
        "slots-TOTAL_FORMS": "1",
        "slots-INITIAL_FORMS": "1",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000",
        "slots-0-id": slot.pk,
        "slots-0-campaign": campaign.pk,
        "slots-0-kind": "pickup",
        "slots-0-starts_at": timezone.localtime(slot.starts_at).strftime(local),
        "slots-0-ends_at": timezone.localtime(slot.ends_at).strftime(local),
        "slots-0-capacity": "1",
    }
    response = merchant_client.post(url, data)
    assert response.status_code == 200
    assert "la capacité ne peut pas être inférieure" in response.content.decode()
    # Deleting a slot with orders is refused too; raising the capacity keeps the count.
    response = merchant_client.post(url, {**data, "slots-0-capacity": "3", "slots-0-DELETE": "on"})
    assert "ne peut être supprimé" in response.content.decode()
    merchant_client.post(url, {**data, "slots-0-capacity": "8"})
    slot = Slot.objects.get(pk=slot.pk)
    assert (slot.capacity, slot.booked_count) == (8, 2)


def test_catalogue_pages_are_for_the_owner_only(client):
    business = make_business(owner=make_user("chef"))
    product = make_product(business)
    campaign = make_campaign(business)
    client.force_login(make_user("concurrent"))
    for url in [
        f"/commercant/commerces/{business.pk}/catalogue/",
        f"/commercant/commerces/{business.pk}/produits/nouveau/",
        f"/commercant/commerces/{business.pk}/produits/{product.pk}/",
        f"/commercant/commerces/{business.pk}/campagnes/{campaign.pk}/",
    ]:
        assert client.get(url).status_code == 404
