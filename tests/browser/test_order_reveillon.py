"""A resident orders a réveillon menu end to end in Chromium, delivered in Marseille."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from geo_directory.orders.models import Order, Product, Slot
from tests.browser.conftest import ARTIFACTS
from tests.factories import (
    make_business,
    make_campaign,
    make_product,
    make_slot,
    make_user,
)

pytestmark = pytest.mark.browser


def offline(page, site_url):
    """Map tiles come from the internet: the test never waits for them."""
    page.route(
        re.compile(r"^https?://"),
        lambda route: (
            route.continue_() if route.request.url.startswith(site_url) else route.abort()
        ),
    )


def test_order_a_reveillon_menu_for_delivery(page, site_url, committed_db):
    business = make_business(
        name="Traiteur du Réveillon",
        owner=make_user("traiteur-navigateur"),
        radius_m=3000,
        fee_cents=500,
        min_order_cents=5000,
    )
    campaign = make_campaign(business)
    make_slot(campaign, capacity=10)
    delivery_slot = make_slot(campaign, kind="delivery", capacity=4, hour=17)
    menu = make_product(business, description="Foie gras, chapon aux morilles, bûche", stock=30)
    make_product(business, name="Bûche pralinée", price_cents=2890, vat_rate="5.50")
    offline(page, site_url)

    page.goto(f"{site_url}/commerces/{business.pk}/commander/")
    expect(page.get_by_role("heading", name="Traiteur du Réveillon")).to_be_visible()
    product = page.locator(f".product[data-product='{menu.pk}']")
    product.get_by_label("Quantité").fill("2")
    product.get_by_role("button", name="Ajouter au panier").click()
    expect(page.get_by_text("« Menu du réveillon » ajouté au panier.")).to_be_visible()

    page.get_by_role("link", name="Mon panier (2)").click()
    expect(page.get_by_text("130,00 €").first).to_be_visible()
    page.get_by_role("link", name="Commander").click()

    page.locator("input[name=fulfilment][value=delivery]").check()
    expect(page.locator("#delivery-map")).to_be_visible()
    page.get_by_label("Adresse de livraison").fill("1 square Narvik, 13001 Marseille")
    page.locator("#delivery-map").click()  # the map opens on the shop: a door in the zone
    expect(page.locator("#point-status")).to_contain_text("Point placé")
    page.get_by_label("Créneau").select_option(str(delivery_slot.pk))
    page.get_by_label("Nom").fill("Fanny Cabanis")
    page.get_by_label("E-mail").fill("fanny@example.fr")
    page.get_by_label("Téléphone").fill("06 11 22 33 44")
    page.get_by_role("button", name="Confirmer la commande").click()

    expect(page.locator("#order-number")).to_have_text(re.compile(r"RV-\d{4}-\d{6}"))
    expect(page.locator("#order-total")).to_have_text("135,00 €")
    expect(page.get_by_text("un e-mail de confirmation a été envoyé")).to_be_visible()
    number = page.locator("#order-number").inner_text()
    order = Order.objects.get(number=number)
    assert (order.fulfilment, order.slot_id, order.total_cents) == (
        "delivery",
        delivery_slot.pk,
        13500,
    )
    assert order.delivery_point is not None
    assert Slot.objects.get(pk=delivery_slot.pk).booked_count == 1
    assert Product.objects.get(pk=menu.pk).stock == 28
    assert any(number in message.subject for message in mail.outbox)
    assert page.js_errors == []

    # The merchant, in his own browser session, accepts, marks ready, then collected.
    merchant = page.context.browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    merchant.add_cookies([session_cookie(business.owner, site_url)])
    desk = merchant.new_page()
    offline(desk, site_url)
    desk.goto(f"{site_url}/commercant/commandes/")
    row = desk.locator(f"#order-{number}")
    expect(row).to_contain_text("Fanny Cabanis")
    for button, label in (("Accepter", "acceptée"), ("Prête", "prête"), ("Remise", "remise")):
        desk.locator(f"#order-{number}").get_by_role("button", name=button).click()
        expect(desk.locator(f"#order-{number} .status")).to_have_text(label)
    desk.get_by_role("link", name="liste de préparation").nth(1).click()
    expect(desk.locator("#totals")).to_contain_text("Menu du réveillon")
    desk.screenshot(path=str(ARTIFACTS / "merchant_preparation_list.png"))
    merchant.close()
    assert [e.status for e in Order.objects.get(number=number).events.all()] == [
        "placed",
        "accepted",
        "ready",
        "collected",
    ]
    # The resident's page shows the new status.
    page.reload()
    expect(page.locator("#order-status")).to_have_text("remise")


def test_qui_livre_chez_moi(page, site_url, committed_db):
    business = make_business(name="Livreur de la Canebière", radius_m=3000, fee_cents=300)
    offline(page, site_url)
    page.goto(f"{site_url}/livraison/?point=5.3800,43.2973")
    expect(page.locator("#delivering")).to_contain_text(business.name)
    expect(page.locator("#delivering")).to_contain_text("3,00 €")
    page.goto(f"{site_url}/livraison/?point=5.4474,43.5265")
    expect(page.locator("#delivering")).not_to_contain_text(business.name)
    page.locator("#finder-map").click()  # a click on the map asks again for that point
    page.wait_for_url(re.compile(r"point=5\.4"))
    assert page.js_errors == []


def session_cookie(user, site_url):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site_url}
