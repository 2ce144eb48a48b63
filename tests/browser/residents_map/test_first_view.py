"""The home page's first view (issue #17): the largest paint on a phone is a map tile, so
the tiles are asked for as soon as the map has its view, never after the first listings.

The listings' answer is held back while the page loads: the tiles must be requested all
the same; once it is let through, the list and the clusters come as usual.
"""

import base64

import pytest

from tests.browser.conftest import wait_until

from .conftest import assert_clean

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

STATUS = "document.getElementById('results-status').textContent"

# A 1×1 transparent PNG stands for the tile server (a third party, not reachable in tests).
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_the_tiles_are_asked_for_before_the_listings_answer(device_page, site_url):
    page = device_page
    held, tiles = [], []
    holding = True

    def listings(route):
        if holding:
            held.append(route)
        else:
            route.continue_()

    def tile(route):
        tiles.append(route.request.url)
        route.fulfill(body=TILE, content_type="image/png")

    page.route("**/api/v1/businesses/?*", listings)
    page.route("**/api/v1/clusters/?*", listings)
    page.route("**/no-tiles/**", tile)
    page.goto(site_url + "/")
    wait_until(page, "document.querySelectorAll('#map img.leaflet-tile').length > 0")
    assert held, "the first listings were asked for at once"
    assert tiles, "tiles requested while the listings are still on their way"
    assert page.locator("body[data-ready=true]").count() == 0, "no listing came yet"

    holding = False
    for route in held:
        route.continue_()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#results-list button[data-id]").count() > 0
    assert page.locator(".sn-cluster").count() > 0
    assert_clean(page)


def test_the_home_page_connects_early_to_the_tile_server(client, settings):
    settings.TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    html = client.get("/").content.decode()
    # crossorigin: Leaflet asks for the tiles in CORS mode, a preconnect without it is lost.
    assert '<link rel="preconnect" href="https://tiles.example.test" crossorigin>' in html
    # A template with {s} subdomains has no one origin to connect to.
    settings.TILE_URL = "https://{s}.tiles.example.test/{z}/{x}/{y}.png"
    assert 'rel="preconnect"' not in client.get("/").content.decode()


# Counts every Intl number format the page makes (an init script: before any of its own).
COUNT_INTL = """
window.__intlNumbers = 0;
const NumberFormat = Intl.NumberFormat;
Intl.NumberFormat = function (...args) {
  window.__intlNumbers += 1;
  return new NumberFormat(...args);
};
const toLocaleString = Number.prototype.toLocaleString;
Number.prototype.toLocaleString = function (...args) {
  window.__intlNumbers += 1;
  return toLocaleString.apply(this, args);
};
"""


def test_the_first_view_formats_no_number_with_intl(phone_page, site_url):
    """A page's first Intl number format costs 50 to 250 ms of main thread (ICU's locale
    data): the map's first view (the script's start, the list, the clusters, the chips'
    counts) writes its French numbers without it."""
    page = phone_page
    page.add_init_script(COUNT_INTL)
    page.goto(site_url + "/")
    page.wait_for_selector("body[data-ready=true]")
    # The phone asks the chips' counts when they are shown (home.js).
    page.get_by_role("button", name="Filtres", exact=True).click()
    wait_until(page, "document.body.dataset.counted === '1'")
    status = page.locator("#results-status").inner_text()
    assert "commerce" in status
    assert page.evaluate("window.__intlNumbers") == 0
    assert_clean(page)


def test_numbers_are_written_as_intl_writes_them_in_french(page, site_url):
    page.goto(site_url + "/")
    written = page.evaluate(
        """async () => {
          const { numberText, distanceText, plural } = await import("/static/maps/js/format.js");
          const km = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
          const counts = [0, 1, 2, 12, 999, 1000, 1331, 12345, 999999, 1234567, -4200];
          const metres = [1000, 1040, 1260, 2500, 9960, 12340, 123456, 1234567];
          return {
            counts: counts.map((n) => [numberText(n), n.toLocaleString("fr-FR")]),
            km: metres.map((m) => [distanceText(m), `${km.format(m / 1000)} km`]),
            plurals: [plural(0, "commerce", "commerces"), plural(1331, "commerce", "commerces")],
          };
        }"""
    )
    for mine, intl in written["counts"] + written["km"]:
        assert mine == intl
    assert written["plurals"] == ["0 commerce", "1\u202f331 commerces"]


def test_the_tabs_position_still_orders_the_list_after_a_reload(located_device_page, site_url):
    """The position is read after the first requests: once there, the list is asked for
    again, ordered from the user (« plus proche de vous »), with the blue dot."""
    page = located_device_page
    page.goto(site_url + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.get_by_role("button", name="Autour de moi").click()
    wait_until(page, f"{STATUS}.includes('plus proche de vous')")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    wait_until(page, f"{STATUS}.includes('plus proche de vous')")
    assert page.locator("path.sn-user").count() == 1
    assert page.locator("#results-list .result-distance").count() > 0
    assert "moi=" not in page.url
    assert_clean(page)
