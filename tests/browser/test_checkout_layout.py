"""The checkout does not move while it loads (Lighthouse's CLS 0), on a desktop and a
390 px phone, now that its script is a module importing dom.js: the layout shifts
Chromium records during the load add up to 0, the script ran (choosing delivery shows
the map), dom.js was found under its unhashed name (no 404) and the CSP is kept."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import finish, watch
from tests.browser.test_order_reveillon import offline
from tests.factories import make_shop, make_slot, make_user

pytestmark = pytest.mark.browser

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
# The Layout Instability API, as Lighthouse reads it: shifts not caused by an input.
CLS = """() => new Promise((resolve) => {
  let total = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
  setTimeout(() => resolve(total), 1500);
})"""


@pytest.mark.parametrize("device", DEVICES)
def test_the_checkout_loads_without_layout_shift(browser, site_url, committed_db, device):
    shop = make_shop(make_user(f"traiteur-cls-{device}"), radius_m=2000)
    make_slot(shop["campaign"], kind="delivery", hour=18)
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", **DEVICES[device])
    page = watch(context.new_page())
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    offline(page, site_url)

    page.goto(f"{site_url}/commerces/{shop['business'].pk}/commander/")
    page.get_by_role("button", name="Ajouter au panier").first.click()
    page.get_by_role("link", name="Mon panier (1)").click()
    # Lighthouse's mobile conditions, roughly (a slow CPU, a slow network): the page is
    # painted before its scripts run, so a script moving what is shown would count.
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 150,
            "downloadThroughput": 200_000,
            "uploadThroughput": 90_000,
        },
    )
    page.get_by_role("link", name="Commander").click()
    page.wait_for_load_state("load")
    assert page.evaluate(CLS) == 0
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})

    page.locator("input[name=fulfilment][value=delivery]").check()
    expect(page.locator("#delivery-map .leaflet-overlay-pane path").first).to_be_visible()
    assert page.js_errors == []
    assert missing == []
    finish(page, f"checkout_layout_{device}")


# Marked django_db (and no browser): pytest-django sets up the test database only for the
# aliases its marked tests ask for, so this module run alone needs one.
@pytest.mark.django_db
def test_the_checkout_module_and_its_import_are_collected_static_files(client):
    import re
    from pathlib import Path
    from urllib.parse import urljoin

    from django.conf import settings

    shop = make_shop(make_user("traiteur-module"), radius_m=2000)
    client.post(
        f"/commerces/{shop['business'].pk}/commander/",
        {"product": shop["menu"].pk, "quantity": 1},
    )
    page = client.get(f"/commerces/{shop['business'].pk}/commande/").content.decode()
    src = re.search(r'<script type="module" src="([^"]+)"></script>', page).group(1)
    # collectstatic's hashed name for the page; its import keeps the unhashed name of
    # dom.js (collectstatic does not rewrite imports), a file collected beside the hashed.
    assert re.fullmatch(r"/static/orders/checkout\.[0-9a-f]{12}\.js", src)
    root = Path(settings.STATIC_ROOT)
    module = (root / src.removeprefix(settings.STATIC_URL)).read_text(encoding="utf-8")
    imported = re.search(r'^import \{[^}]+\} from "([^"]+)";$', module, re.M).group(1)
    target = urljoin(src, imported)
    assert target == "/static/maps/js/dom.js"
    assert (root / target.removeprefix(settings.STATIC_URL)).is_file()
    assert f'<link rel="modulepreload" href="{target}">' in page
