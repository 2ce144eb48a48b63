"""The whole journey through the pages: catalogue, cart, slot, checkout, merchant statuses."""

import csv
import io
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail

from geo_directory.orders.models import Campaign, Order, Slot
from tests.factories import (
    CANEBIERE,
    in_days,
    make_product,
    make_shop,
    make_slot,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """Delivering within 3 km (5 € fee, 30 € minimum): a pickup and a delivery slot, the
    menu (20 in stock) and a bûche."""
    shop = make_shop(
        make_user("chef", first_name="Marius"),
        slot={"capacity": 10},
        menu={"stock": 20, "description": "Foie gras, chapon, bûche"},
        radius_m=3000,
        fee_cents=500,
        min_order_cents=3000,
    )
    business, campaign = shop["business"], shop["campaign"]
    shop["pickup"] = shop.pop("slot")
    shop["delivery"] = make_slot(campaign, kind="delivery", capacity=5, hour=17)
    shop["buche"] = make_product(business, name="Bûche pralinée", price_cents=2890, stock=None)
    return shop


def add(client, shop, product, quantity):
    url = f"/commerces/{shop['business'].pk}/commander/"
    return client.post(url, {"product": product.pk, "quantity": quantity})


def test_guest_journey_from_catalogue_to_collected(
    client, shop, django_capture_on_commit_callbacks
):
    business = shop["business"]
    page = client.get(f"/commerces/{business.pk}/commander/")
    html = page.content.decode()
    assert "Réveillon 2026" in html and "Menu du réveillon — 65,00 €" in html
    assert "Crustacés" in html  # allergens in French

    assert add(client, shop, shop["menu"], 2).status_code == 302
    add(client, shop, shop["buche"], 1)
    cart = client.get(f"/commerces/{business.pk}/panier/").content.decode()
    assert "158,90 €" in cart

    checkout_url = f"/commerces/{business.pk}/commande/"
    page = client.get(checkout_url).content.decode()
    assert 'data-kind="pickup"' in page and 'data-kind="delivery"' in page
    form = {
        "fulfilment": "pickup",
        "slot": shop["pickup"].pk,
        "customer_name": "Fanny Cabanis",
        "email": "fanny@example.fr",
        "phone": "06 11 22 33 44",
        "note": "Sans piment",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(checkout_url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    order = Order.objects.get(business=business)
    assert order.user is None and order.total_cents == 15890
    location, _, cle = response["Location"].partition("?cle=")
    assert location == f"/commandes/{order.number}/"
    assert order.token_is_valid(cle) and cle in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["fanny@example.fr"]
    assert order.number in mail.outbox[-1].body
    assert "http://testserver/commandes/" in mail.outbox[-1].body

    detail = client.get(response["Location"]).content.decode()
    assert order.number in detail and "Annuler la commande" in detail
    assert client.get(f"/commerces/{business.pk}/panier/").content.decode().count("vide") == 1

    # The merchant's dashboard, preparation list, CSV, then each status (an email each).
    merchant = client.__class__()
    merchant.force_login(shop["merchant"])
    dashboard = merchant.get("/commercant/commandes/", follow=True).content.decode()
    assert order.number in dashboard and "Fanny Cabanis" in dashboard
    prep = merchant.get(f"/commercant/creneaux/{shop['pickup'].pk}/preparation/")
    assert "Sans piment" in prep.content.decode()
    # Printable: the page's stylesheet (a static file, the CSP forbids inline styles) has
    # print rules, and the print button is wired by a static script.
    assert "/static/orders/orders." in prep.content.decode()
    assert "@media print" in Path(finders.find("orders/orders.css")).read_text()
    assert "/static/orders/print." in prep.content.decode()
    export = merchant.get(f"/commercant/creneaux/{shop['pickup'].pk}/preparation.csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "commande"
    assert {(r[0], r[6], r[7]) for r in rows[1:]} == {
        (order.number, "Menu du réveillon", "2"),
        (order.number, "Bûche pralinée", "1"),
    }
    sent = len(mail.outbox)
    for status in ("accepted", "ready", "collected"):
        with django_capture_on_commit_callbacks(execute=True):
            response = merchant.post(
                f"/commercant/commandes/{order.number}/statut/", {"status": status}
            )
        assert response.status_code == 302
        order.refresh_from_db()
        assert order.status == status
    assert [e.status for e in order.events.all()] == ["placed", "accepted", "ready", "collected"]
    times = [e.at for e in order.events.all()]
    assert times == sorted(times)
    assert len(mail.outbox) == sent + 3
    assert "prête" in mail.outbox[-2].subject and "remise" in mail.outbox[-1].subject
    # Once collected, the resident's page shows it and no longer offers to cancel.
    detail = client.get(f"/commandes/{order.number}/?cle={cle}")
    assert "remise" in detail.content.decode()
    assert "Annuler la commande" not in detail.content.decode()


def test_logged_in_delivery_journey_and_my_orders(
    client, shop, django_capture_on_commit_callbacks, fake_ban
):
    resident = make_user("fanny", email="fanny@example.fr")
    client.force_login(resident)
    add(client, shop, shop["menu"], 1)
    checkout_url = f"/commerces/{shop['business'].pk}/commande/"
    base = {
        "fulfilment": "delivery",
        "slot": shop["delivery"].pk,
        "customer_name": "Fanny",
        "email": "fanny@example.fr",
        "phone": "0611223344",
        "delivery_address": "50 La Canebière, 13001 Marseille",
    }
    # No point on the map and the address API down: the typed address only places the
    # commune, too coarse for a courier, so the resident is asked to place the door.
    fake_ban.stop()
    response = client.post(checkout_url, base)
    assert "placez votre porte sur la carte" in response.content.decode().lower()
    # Aix is out of the zone.
    response = client.post(checkout_url, {**base, "lon": 5.4474, "lat": 43.5265})
    assert "hors de la zone de livraison" in response.content.decode()
    # A pickup slot for a delivery is refused by the form.
    response = client.post(
        checkout_url,
        {**base, "slot": shop["pickup"].pk, "lon": CANEBIERE[0], "lat": CANEBIERE[1]},
    )
    assert "Choisissez un créneau de livraison" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(checkout_url, {**base, "lon": CANEBIERE[0], "lat": CANEBIERE[1]})
    order = Order.objects.get(business=shop["business"])
    assert response["Location"] == f"/commandes/{order.number}/"
    assert order.user == resident
    assert (order.delivery_fee_cents, order.total_cents) == (500, 7000)
    assert order.delivery_point.coords == pytest.approx(CANEBIERE)
    mine = client.get("/mes-commandes/").content.decode()
    assert order.number in mine and "70,00 €" in mine

    # Cancel from the order page: the slot place and the stock come back.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/commandes/{order.number}/annuler/")
    order.refresh_from_db()
    shop["menu"].refresh_from_db()
    assert order.status == "cancelled" and shop["menu"].stock == 20
    assert Slot.objects.get(pk=shop["delivery"].pk).booked_count == 0
    assert "annulée" in mail.outbox[-1].subject


def test_checkout_after_cutoff_shows_the_refusal(client, shop):
    add(client, shop, shop["menu"], 1)
    Campaign.objects.filter(pk=shop["campaign"].pk).update(cutoff_at=in_days(-1, 18))
    response = client.post(
        f"/commerces/{shop['business'].pk}/commande/",
        {
            "fulfilment": "pickup",
            "slot": shop["pickup"].pk,
            "customer_name": "x",
            "email": "x@example.fr",
            "phone": "0600000000",
        },
    )
    assert response.status_code == 200
    assert "Commander chez" in response.content.decode()  # the form again, with the error
    assert not Order.objects.filter(business=shop["business"]).exists()
    response = client.get(f"/commerces/{shop['business'].pk}/commande/", follow=True)
    assert response.redirect_chain[-1][0] == f"/commerces/{shop['business'].pk}/commander/"
    catalogue = response.content.decode()
    assert "ne prend pas de commandes en ce moment" in catalogue
