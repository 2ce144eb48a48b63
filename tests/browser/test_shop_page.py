"""A resident reaches a shop's page in Chromium through visible links, on a desktop and
on a 390 px phone: from the home page without JavaScript (the page's own « Marseille »
link, then the shop's row of the commune page), and with JavaScript from the commune
page, where the page's small map is drawn and « Commander » leads to the catalogue.
Each fails on a JavaScript error, a console error, a CSP violation or horizontal overflow.
"""

import base64
import json
import re

import pytest

from tests.browser.conftest import ARTIFACTS, finish, watch
from tests.browser.test_checkout_delivery import CLS, FAST_NETWORK, SLOW_NETWORK
from tests.factories import make_campaign, make_listing

pytestmark = pytest.mark.browser
VIEWPORTS = [(1280, 800), (390, 844)]
IDS = ["desktop", "phone"]
# A 1×1 PNG for every tile: no internet in tests, and no 404 in the console.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
NAME = "1001 Délices de Noël"  # digits first: on the first page of Marseille's list


@pytest.fixture
def shop(committed_db, settings, site_url):
    settings.TILE_URL = site_url + "/tuiles/{z}/{x}/{y}.png"
    business = make_listing(
        NAME,
        5.3698,
        43.2951,
        category="chocolatier",
        street="12 quai du Port",
        postcode="13002",
        phone="04 91 00 00 00",
        opening_hours="Mo-Sa 08:00-19:30",
        offers_pickup=True,
    )
    make_campaign(business)
    return business


def open_page(browser, viewport, javascript: bool):
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": viewport[0], "height": viewport[1]},
        java_script_enabled=javascript,
    )
    page = watch(context.new_page())
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.route(
        re.compile(r".*/tuiles/.*"),
        lambda route: route.fulfill(body=TILE, content_type="image/png"),
    )
    return page


def check_clean(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"horizontal overflow of {overflow} px on {page.url}"
    assert page.js_errors == [], page.js_errors
    assert page.console_errors == [], page.console_errors
    assert page.csp_violations == [], page.csp_violations


def check_shop_page(page, business):
    assert page.url.endswith(business.get_absolute_url())
    assert page.locator("h1").inner_text() == NAME
    status = page.locator(".shop-status")
    assert status.is_visible()
    assert re.match(r"^(Ouvert · jusqu'à|Fermé · ouvre) ", status.inner_text())
    assert page.get_by_role("link", name="04 91 00 00 00").get_attribute("href") == "tel:0491000000"
    ld = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert ld["@type"] == "LocalBusiness" and ld["name"] == NAME
    check_clean(page)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_without_javascript_home_to_commune_to_shop(browser, site_url, shop, viewport, request):
    page = open_page(browser, viewport, javascript=False)
    try:
        page.goto(site_url + "/")
        page.get_by_role("link", name="Marseille", exact=True).click()
        page.wait_for_url("**/communes/13055/")
        check_clean(page)
        card = page.locator(f"#commerce-{shop.pk}")
        card.get_by_role("link", name=NAME, exact=True).click()
        page.wait_for_load_state()
        check_shop_page(page, shop)
        assert page.get_by_role("link", name=re.compile("^Itinéraire")).is_visible()
        assert page.get_by_role("link", name=re.compile("^Commander")).is_visible()
        # No empty box where the map would be (nothing draws it without JavaScript).
        assert not page.locator("#shop-map").is_visible()
    finally:
        finish(page, request.node.name)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=IDS)
def test_with_javascript_commune_row_to_shop_map_and_order(
    browser, site_url, shop, viewport, request
):
    page = open_page(browser, viewport, javascript=True)
    try:
        page.goto(site_url + "/communes/13055/")
        page.wait_for_selector("body[data-ready=true]")
        # Lighthouse's mobile conditions, roughly: the page is painted before its map's
        # script runs, so a map box appearing then would push the text below it.
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        cdp.send("Network.emulateNetworkConditions", {**SLOW_NETWORK, "uploadThroughput": -1})
        page.locator(f"#commerce-{shop.pk}").get_by_role("link", name=NAME, exact=True).click()
        page.wait_for_selector("body[data-ready=true]")
        # A map box appearing after the first paint moved the page by 0.05-0.12; what is
        # left is a sub-pixel rounding of the throttled phone's layout (0.0006 once).
        assert page.evaluate(CLS) < 0.01
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        cdp.send("Network.emulateNetworkConditions", {**FAST_NETWORK, "uploadThroughput": -1})
        check_shop_page(page, shop)
        # The small map: the shop's marker drawn, the tiles loaded from the tile URL.
        assert page.locator("#shop-map path.sn-marker").count() == 1
        assert page.locator("#shop-map img.leaflet-tile").count() > 0
        page.screenshot(path=str(ARTIFACTS / f"shop_page_{viewport[0]}.png"), full_page=True)
        page.get_by_role("link", name=re.compile("^Commander")).click()
        page.wait_for_url(f"**/commerces/{shop.pk}/commander/")
        assert page.js_errors == [] and page.csp_violations == []
    finally:
        finish(page, request.node.name)


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_unknown_shop_page_is_french(page, site_url):
    response = page.goto(site_url + "/commerces/999999999-nulle-part/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page introuvable"
    assert page.locator("html").get_attribute("lang") == "fr"
