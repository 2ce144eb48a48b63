"""The checkout's delivery map, on a desktop and a phone: the pin is a real image from the
static files, the whole zone is in view, and « livrez-vous chez moi ? » is answered as soon
as the door is placed, with pickup as the alternative. The page does not move while it
loads (Lighthouse's CLS 0), its script a module importing dom.js."""

from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.test_order_reveillon import offline
from tests.factories import make_business, make_campaign, make_product, make_slot, make_user

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
# The Layout Instability API, as Lighthouse reads it: shifts not caused by an input.
CLS = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(total), 1500);
})"""
SLOW_NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 200_000}
FAST_NETWORK = {"offline": False, "latency": 0, "downloadThroughput": -1}


@pytest.mark.parametrize("device", VIEWPORTS)
def test_delivery_map_pin_zone_and_early_answer(browser, site_url, committed_db, device):
    from tests.browser.conftest import finish, watch

    width, height = VIEWPORTS[device]
    business = make_business(
        name=f"Traiteur de la carte ({device})",
        owner=make_user(f"traiteur-carte-{device}"),
        radius_m=2500,
    )
    campaign = make_campaign(business)
    make_slot(campaign)
    delivery_slot = make_slot(campaign, kind="delivery", hour=18)
    make_product(business)
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": width, "height": height}
    )
    page = watch(context.new_page())
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    offline(page, site_url)

    page.goto(f"{site_url}/commerces/{business.pk}/commander/")
    page.get_by_role("button", name="Ajouter au panier").first.click()
    page.get_by_role("link", name="Mon panier (1)").click()
    # Lighthouse's mobile conditions, roughly (slow CPU and network): the page is painted
    # before its scripts run, so a script moving what is shown counts (a delivery fieldset
    # shown by the server and hidden by the script: 0.136).
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    cdp.send("Network.emulateNetworkConditions", {**SLOW_NETWORK, "uploadThroughput": -1})
    page.get_by_role("link", name="Commander").click()
    page.wait_for_load_state("load")
    assert page.evaluate(CLS) == 0
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    cdp.send("Network.emulateNetworkConditions", {**FAST_NETWORK, "uploadThroughput": -1})
    page.locator("input[name=fulfilment][value=delivery]").check()
    the_map = page.locator("#delivery-map")
    expect(the_map).to_be_visible()
    page.get_by_label("Créneau").select_option(str(delivery_slot.pk))

    # The whole zone is drawn inside the map (not clipped), after the form's layout settled.
    zone = page.locator("#delivery-map .leaflet-overlay-pane path").first
    expect(zone).to_be_visible()
    page.wait_for_timeout(300)
    box, frame = zone.bounding_box(), the_map.bounding_box()
    assert box["x"] >= frame["x"] - 1 and box["y"] >= frame["y"] - 1
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
    assert box["y"] + box["height"] <= frame["y"] + frame["height"] + 1

    # A door in a corner of the map is outside the circle: the answer comes at once.
    the_map.click(position={"x": 6, "y": frame["height"] - 6})
    answer = page.locator("#zone-answer")
    expect(answer).to_contain_text("hors de la zone de livraison")
    pin = page.locator("#delivery-map img.leaflet-marker-icon")
    expect(pin).to_be_visible()
    assert "/static/vendor/leaflet/images/marker-icon" in pin.get_attribute("src")
    assert page.evaluate("document.querySelector('img.leaflet-marker-icon').naturalWidth") > 0

    # Then in the zone (the shop itself is at the centre of its circle).
    the_map.click()
    expect(answer).to_contain_text("livre à cette adresse")

    # Back outside, and the resident takes the alternative: pickup.
    the_map.click(position={"x": 6, "y": 6})
    answer.get_by_role("button", name="Choisir le retrait au commerce").click()
    expect(page.locator("input[name=fulfilment][value=pickup]")).to_be_checked()
    expect(page.locator("#delivery-fields")).to_be_hidden()

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px of horizontal overflow at {width} px"
    assert page.js_errors == []
    assert missing == []
    finish(page, f"checkout_delivery_{device}")


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_the_checkout_gives_the_pin_from_the_static_files(client):
    import re

    from tests.factories import make_shop

    shop = make_shop(make_user("traiteur-epingle"), radius_m=2000)
    client.post(
        f"/commerces/{shop['business'].pk}/commander/",
        {"product": shop["menu"].pk, "quantity": 1},
    )
    page = client.get(f"/commerces/{shop['business'].pk}/commande/").content.decode()
    icon = re.search(r'data-icon="([^"]+)"', page).group(1)
    # the hashed name collectstatic made (Leaflet's own guess is a relative marker-icon.png)
    assert re.fullmatch(r"/static/vendor/leaflet/images/marker-icon\.[0-9a-f]{12}\.png", icon)
    assert 'data-check-url="/commerces/' in page
    # The script: a module under its hashed name, whose import keeps dom.js's unhashed
    # name (collectstatic does not rewrite imports), a file collected beside the hashed.
    src = re.search(r'<script type="module" src="([^"]+)"></script>', page).group(1)
    assert re.fullmatch(r"/static/orders/checkout\.[0-9a-f]{12}\.js", src)
    root = Path(settings.STATIC_ROOT)
    module = (root / src.removeprefix(settings.STATIC_URL)).read_text(encoding="utf-8")
    target = urljoin(src, re.search(r'^import .+ from "([^"]+)";$', module, re.M).group(1))
    assert target == "/static/maps/js/dom.js"
    assert (root / target.removeprefix(settings.STATIC_URL)).is_file()
    assert f'<link rel="modulepreload" href="{target}">' in page
