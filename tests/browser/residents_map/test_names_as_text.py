"""A listing's name is text on every page a resident sees, never HTML.

Anyone can publish a name through an import (OpenStreetMap, SIRENE, a partner's CSV). A
name written as markup must appear as those very characters, in the map's tooltips, the
list, the detail panel, the commune page and the checkout map, and create no element.
The listing goes through the real GeoJSON importer, committed (``committed_db``) so that
the live server sees it, in Moustiers-Sainte-Marie, where the real data has no other shop.
"""

import json

import pytest

from geo_directory.businesses.models import Business
from geo_directory.territory.models import Commune
from importers.geojson import import_geojson
from tests.browser.conftest import wait_until
from tests.factories import make_campaign, make_product, make_slot, set_zone_radius

from .conftest import open_home

pytestmark = [pytest.mark.browser]

NAME = 'Faïence <img src=x onerror=alert(1)> & <b class="injected">Fils</b>'
COMMUNE = "04135"  # Moustiers-Sainte-Marie


def import_listing(tmp_path) -> Business:
    commune = Commune.objects.get(code=COMMUNE)
    point = commune.boundary.point_on_surface
    path = tmp_path / "injection.geojson"
    feature = {
        "type": "Feature",
        "id": "node/990000000001",
        "properties": {
            "shop": "bakery",
            "name": NAME,
            "addr:street": "Place de l'Église",
            "addr:postcode": "04360",
            "addr:city": "Moustiers-Sainte-Marie",
        },
        "geometry": {"type": "Point", "coordinates": [point.x, point.y]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    import_geojson(path)
    business = Business.objects.published().get(name=NAME)
    assert business.commune_id == COMMUNE
    return business


@pytest.fixture
def listing(tmp_path, committed_db):
    return import_listing(tmp_path)


# First, and marked django_db: it also makes pytest-django create the test database when
# this module runs alone (it sets up only the databases that some test is marked for).
@pytest.mark.django_db
def test_server_rendered_pages_escape_the_name(client, tmp_path):
    business = import_listing(tmp_path)
    html = client.get(f"/communes/{COMMUNE}/").content.decode()
    assert "<img src=x" not in html and '<b class="injected">' not in html
    assert "Faïence &lt;img src=x onerror=alert(1)&gt; &amp; &lt;b" in html
    assert f'id="commerce-{business.pk}"' in html


def console_errors(page):
    """Errors in the console but the map tiles' (tests point them at a 404 on purpose) and
    the favicon's (the orders pages declare none)."""
    errors = []

    def on_console(message):
        url = (message.location or {}).get("url", "")
        expected = "/no-tiles/" in url or url.endswith("/favicon.ico")
        if message.type == "error" and not expected:
            errors.append(f"{message.text} ({url})")

    page.on("console", on_console)
    return errors


NO_ELEMENT_FROM_NAME = (
    "() => !document.querySelector('img[src=x], img[onerror], b.injected, .injected')"
)


def assert_text_only(page, selector: str):
    """Every element matching ``selector`` holds the name as its very text, no element."""
    found = page.locator(selector).evaluate_all(
        "els => els.map(e => [e.textContent.trim(), e.querySelectorAll('img, b').length])"
    )
    assert found, f"nothing matches {selector}"
    for text, elements in found:
        assert NAME in text, (selector, text)
        assert elements == 0, (selector, text)


def assert_tooltip_is_text(page, marker):
    """Hover ``marker``: its tooltip holds the name as text, and no element came of it."""
    marker.wait_for()
    marker.hover()
    page.locator(".leaflet-tooltip").wait_for()
    assert_text_only(page, ".leaflet-tooltip")
    assert page.evaluate(NO_ELEMENT_FROM_NAME)


def test_home_map_tooltip_list_and_panel(located_page, site_url, listing):
    page = located_page
    errors = console_errors(page)
    location = listing.location
    open_home(page, f"{site_url}/?c={location.y:.5f},{location.x:.5f}&z=17")
    marker = page.locator(f'path.sn-marker[data-id="{listing.pk}"]')
    assert_tooltip_is_text(page, marker)
    assert_text_only(page, f'#results-list button[data-id="{listing.pk}"] .result-name')
    marker.click()
    page.locator("h2#detail-title").wait_for()
    wait_until(page, "document.getElementById('detail-title').textContent.includes('Fils')")
    assert_text_only(page, "#detail-title")
    # Nothing missing is written as "null" or "undefined" (no description, no phone...).
    panel = page.locator("#detail-body").inner_text()
    assert "null" not in panel and "undefined" not in panel, panel
    assert page.evaluate(NO_ELEMENT_FROM_NAME)
    # Zoomed out, the listing alone in its cluster cell is a marker with the same tooltip.
    page.goto(f"{site_url}/?c={location.y:.5f},{location.x:.5f}&z=11")
    page.wait_for_selector("body[data-ready=true]")
    assert_tooltip_is_text(page, page.locator(f'.sn-marker[data-id="{listing.pk}"]'))
    assert page.js_errors == [] and errors == []


def test_commune_page(page, site_url, listing):
    errors = console_errors(page)
    page.goto(f"{site_url}/communes/{COMMUNE}/")
    page.wait_for_selector("body[data-ready=true]")
    assert_text_only(page, f"#commerce-{listing.pk} h3")
    assert_tooltip_is_text(page, page.locator(f'path.sn-marker[data-id="{listing.pk}"]'))
    assert page.js_errors == [] and errors == []


def test_checkout_map(page, site_url, listing):
    set_zone_radius(listing, 3000)
    campaign = make_campaign(listing)
    make_slot(campaign, kind="delivery", capacity=4, hour=17)
    product = make_product(listing, name="Santons de Moustiers", stock=10)
    errors = console_errors(page)
    page.goto(f"{site_url}/commerces/{listing.pk}/commander/")
    page.locator(f".product[data-product='{product.pk}']").get_by_role(
        "button", name="Ajouter au panier"
    ).click()
    page.get_by_text("« Santons de Moustiers » ajouté au panier.").wait_for()
    page.goto(f"{site_url}/commerces/{listing.pk}/commande/")
    page.locator("input[name=fulfilment][value=delivery]").check()
    shop = page.locator('#delivery-map path.leaflet-interactive[stroke="#a40000"]')
    assert_tooltip_is_text(page, shop)
    assert page.js_errors == [] and errors == []
