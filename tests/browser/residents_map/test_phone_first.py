"""Issue #17: the home map made for the phone, never a dead end, a URL that never lies.

Every test runs in real Chromium on a desktop screen and on a 390 × 844 touch phone (or
only on the phone when it is about the phone's layout), over the real data, and fails on a
JavaScript or console error, a CSP violation or a horizontal overflow (``assert_clean``,
``finish``). After the first page, everything is reached through what a person sees.
"""

import re

import pytest
from django.contrib.gis.geos import Point

from geo_directory.businesses.models import Business, Category
from geo_directory.territory.models import Commune
from tests.browser.conftest import wait_until
from tests.factories import make_campaign, make_listing

from .conftest import PHONE, assert_clean, list_ids, open_home, show_list

pytestmark = [pytest.mark.browser]

BARCELONNETTE = "04019"
STATUS = "document.getElementById('results-status').textContent"
# The placeholder's text, in the field's font, fits inside the field.
PLACEHOLDER_FITS = """e => {
  const style = getComputedStyle(e);
  const context = document.createElement('canvas').getContext('2d');
  context.font = style.font;
  const room = e.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(e.placeholder).width <= room;
}"""
VIEW = (
    "(() => { const m = sauvonsNoel.map, c = m.getCenter();"
    " return [c.lat, c.lng, m.getZoom()]; })()"
)


def choose_commune(page, typed: str, name: str):
    box = page.get_by_role("combobox", name="Commune ou code postal")
    box.fill(typed)
    page.get_by_role("option", name=re.compile(re.escape(name))).first.wait_for()
    box.press("ArrowDown")
    box.press("Enter")


def refreshed_after(page, before: str):
    wait_until(page, f"document.body.dataset.refreshed !== '{before}'")


def visible_box(page, selector):
    return page.locator(selector).bounding_box()


# --- 1. phone first -------------------------------------------------------------------


@pytest.mark.django_db
def test_phone_map_fills_the_screen_and_the_list_is_a_sheet(phone_page, site_url):
    page = phone_page
    open_home(page, site_url + "/")
    height = PHONE["height"]
    search = visible_box(page, "#search-form")
    assert search["height"] <= 64, f"one compact search bar: {search}"
    placeholder = page.locator("#commune-search")
    assert placeholder.evaluate(PLACEHOLDER_FITS), "placeholder cut"
    # The filters are in a closed sheet; the map is at least 60 % of the first screen.
    assert page.locator(".chips-main").is_hidden()
    map_box = visible_box(page, "#map")
    sheet = visible_box(page, "#results")
    visible_map = min(map_box["y"] + map_box["height"], sheet["y"]) - max(map_box["y"], 0)
    assert visible_map >= 0.6 * height, f"map {visible_map:.0f} px of {height}"
    assert sheet["y"] + sheet["height"] <= height + 1 and sheet["y"] < height - 100
    # The list sheet: its handle pulls it up, the keyboard too.
    handle = page.locator("#sheet-handle")
    assert handle.get_attribute("aria-expanded") == "false"
    handle.click()
    wait_until(page, "document.getElementById('results').getBoundingClientRect().top < 300")
    assert handle.get_attribute("aria-expanded") == "true"
    assert page.locator("#results-list button[data-id]").nth(3).is_visible()
    handle.press("ArrowDown")
    assert handle.get_attribute("aria-expanded") == "false"
    wait_until(page, "document.getElementById('results').getBoundingClientRect().top > 500")
    handle.press("ArrowUp")
    assert handle.get_attribute("aria-expanded") == "true"
    handle.press("ArrowDown")
    # ... and a drag upwards (pointer events, as a finger's) opens it.
    wait_until(page, "document.getElementById('results').getBoundingClientRect().top > 500")
    page.wait_for_timeout(300)  # the end of the sheet's transition
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 7):
        page.mouse.move(x, y - step * 60)
    page.mouse.up()
    assert handle.get_attribute("aria-expanded") == "true"
    # The filters open in a sheet from « Filtres »; the button counts what is on.
    page.get_by_role("button", name="Filtres", exact=True).click()
    chip = page.locator(".chips-main .chip:not([disabled])").first
    chip.wait_for()
    before = page.evaluate("document.body.dataset.refreshed")
    chip.click()
    refreshed_after(page, before)
    page.get_by_role("button", name="Voir les commerces").click()
    assert page.locator(".chips-main").is_hidden()
    assert page.get_by_role("button", name="Filtres (1)").is_visible()
    assert placeholder.evaluate(PLACEHOLDER_FITS), "placeholder cut"
    # Touch targets: 44 px at least, everywhere a finger goes.
    page.get_by_role("button", name="Filtres (1)").click()
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              '#search-form button, #search-form input, #filters button, #filters input,'
              + ' #filters summary, #filters .toggle, #sheet-handle')]
            .filter(e => e.getClientRects().length && e.type !== 'checkbox')
            .map(e => [e.id || e.textContent.trim().slice(0, 30), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([name, r]) => `${name}: ${Math.round(r.width)}×${Math.round(r.height)}`)"""
    )
    assert small == [], small
    assert_clean(page)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_detail_actions_are_on_screen_without_scrolling(
    browser, request, site_url, committed_db, device
):
    from .conftest import new_page

    shop = make_listing(
        "Épicerie des Accoules",
        5.36812,
        43.29712,
        category="epicerie",
        street="3 rue des Accoules",
        postcode="13002",
        phone="04 91 00 00 00",
        offers_pickup=True,
        opening_hours="Mo-Sa 08:00-19:00",
        description="Produits de Provence. " * 40,
    )
    make_campaign(shop)
    page = new_page(browser, device)
    try:
        open_home(page, f"{site_url}/?c=43.29712,5.36812&z=18")
        show_list(page)
        page.locator(f'#results-list button[data-id="{shop.pk}"]').click()
        panel = page.locator("#detail")
        panel.locator("h2#detail-title").wait_for()
        wait_until(page, "document.getElementById('detail-title').textContent.includes('Accoules')")
        viewport = page.viewport_size
        call = panel.get_by_role("link", name=re.compile("^Appeler"))
        assert call.get_attribute("href") == "tel:0491000000"
        actions = [
            call,
            panel.get_by_role("link", name=re.compile("^Itinéraire")),
            panel.get_by_role("link", name="Commander"),
        ]
        for action in actions:
            box = action.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
            assert box["height"] >= 44, box
        assert panel.evaluate("e => e.scrollTop") == 0
        assert_clean(page)
    finally:
        finish_page(page, request)


def finish_page(page, request):
    from tests.browser.conftest import finish

    finish(page, request.node.name)


# --- 2. never a dead end --------------------------------------------------------------


def test_an_empty_commune_offers_the_nearest_shops_and_the_sign_up(device_page, site_url, db):
    page = device_page
    commune = Commune.objects.get(code=BARCELONNETTE)
    assert not Business.objects.published().filter(location__within=commune.boundary).exists()
    open_home(page, site_url + "/")
    before = page.evaluate("document.body.dataset.refreshed")
    choose_commune(page, "Barcelonn", "Barcelonnette")
    page.wait_for_url(re.compile(f"commune={BARCELONNETTE}"))
    wait_until(page, f"{STATUS}.includes('Aucun commerce')")
    refreshed_after(page, before)
    status = page.locator("#results-status").inner_text()
    assert status == "Aucun commerce référencé dans cette zone pour l’instant.", status
    assert "filtre" not in status
    show_list(page)
    more = page.locator("#results-more")
    more.get_by_role(
        "heading", name=re.compile("les plus proches du centre de la carte")
    ).wait_for()
    rows = more.locator("button[data-id]")
    assert rows.count() == 5
    centre = page.evaluate(
        "(() => { const c = sauvonsNoel.map.getCenter(); return [c.lng, c.lat]; })()"
    )
    expected = list(
        Business.objects.published()
        .nearest_to(Point(*centre, srid=4326))
        .values_list("id", "distance_m")[:5]
    )
    ids = [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.id)")]
    assert ids == [pk for pk, _ in expected]
    first = more.locator(".result-distance").first.inner_text()
    km = expected[0][1].m / 1000
    assert first == f"à {km:.1f} km du centre de la carte".replace(".", ",").replace(
        ",0 km", " km"
    ), first
    # The nearest one opens like any listing.
    rows.first.click()
    page.locator("#detail h2#detail-title").wait_for()
    wait_until(
        page,
        "id => document.getElementById('detail-title').textContent === id",
        arg=Business.objects.get(pk=ids[0]).name,
    )
    page.keyboard.press("Escape") if page.device == "desktop" else page.locator(
        "#detail-close"
    ).click()
    assert_clean(page)
    show_list(page)
    page.get_by_role("link", name="Votre commerce n’y est pas ? Inscrivez-le").click()
    page.wait_for_url(re.compile("/compte/inscription/$"))


def test_chips_with_nothing_in_view_are_disabled_and_every_category_is_reachable(
    device_page, site_url, db
):
    page = device_page
    open_home(page, site_url + "/")
    if page.device == "phone":
        page.get_by_role("button", name="Filtres", exact=True).click()
    page.locator("summary", has_text="Toutes les catégories").click()
    # Every category of the taxonomy has its chip: the parents over the map, the leaves
    # in the list of all categories.
    slugs = set(
        page.locator(".chip[data-category]").evaluate_all("els => els.map(e => e.dataset.category)")
    )
    assert slugs == set(Category.objects.values_list("slug", flat=True))
    for slug in ("coiffure", "camping", "artisanat-d-art"):
        assert page.locator(f'.chip[data-category="{slug}"]').is_visible()
    # In Barcelonnette, where nothing is listed, every chip is disabled and says 0.
    before = page.evaluate("document.body.dataset.counted || '0'")
    if page.device == "phone":
        page.get_by_role("button", name="Voir les commerces").click()
    choose_commune(page, "Barcelonn", "Barcelonnette")
    if page.device == "phone":  # the counts are asked once the chips can be seen
        wait_until(page, f"{STATUS}.includes('Aucun')")
        page.get_by_role("button", name="Filtres", exact=True).click()
    wait_until(
        page,
        f"(document.body.dataset.counted || '0') !== '{before}' && {STATUS}.includes('Aucun')",
    )
    wait_until(page, "[...document.querySelectorAll('.chips-main .chip')].every(c => c.disabled)")
    chips = page.locator(".chip[data-category]")
    texts = chips.evaluate_all(
        "els => els.map(e => [e.disabled, e.querySelector('.chip-count').textContent.trim()])"
    )
    assert texts and all(disabled and count == "0" for disabled, count in texts), texts
    url = page.url
    page.locator('.chip[data-category="boulangerie"]').click(force=True)
    assert page.url == url and "cat=" not in url
    # Back in Marseille, the chips with listings in view are usable again, with their count.
    if page.device == "phone":
        page.get_by_role("button", name="Voir les commerces").click()
    choose_commune(page, "Marseil", "Marseille")
    page.wait_for_url(re.compile("commune=13055"))
    if page.device == "phone":
        page.get_by_role("button", name="Filtres", exact=True).click()
    boulangerie = page.locator('.chip[data-category="alimentation"]')
    wait_until(page, "!document.querySelector('.chip[data-category=alimentation]').disabled")
    assert (
        int(
            boulangerie.locator(".chip-count")
            .inner_text()
            .replace("\u202f", "")
            .replace("≈", "")
            .strip()
        )
        > 0
    )
    assert_clean(page)


def test_filters_on_and_nothing_in_view_say_so_and_still_offer_the_nearest(
    device_page, site_url, db
):
    page = device_page
    open_home(page, site_url + "/")
    if page.device == "phone":
        page.get_by_role("button", name="Filtres", exact=True).click()
    page.get_by_label("Ouvert maintenant").check()
    page.wait_for_url(re.compile("ouvert=1"))
    if page.device == "phone":
        page.get_by_role("button", name="Voir les commerces").click()
        assert page.get_by_role("button", name="Filtres (1)").is_visible()
    choose_commune(page, "Barcelonn", "Barcelonnette")
    wait_until(page, f"{STATUS}.includes('Aucun commerce')")
    assert (
        page.locator("#results-status").inner_text()
        == "Aucun commerce dans cette zone avec ces filtres."
    )
    show_list(page)
    page.locator("#results-more h3").wait_for()
    assert page.get_by_role("link", name="Votre commerce n’y est pas ? Inscrivez-le").is_visible()
    # One click takes every filter off.
    page.get_by_role("button", name="Retirer les filtres").click()
    page.wait_for_url(lambda url: "ouvert=" not in url)
    wait_until(page, f"{STATUS} === 'Aucun commerce référencé dans cette zone pour l’instant.'")
    assert not page.get_by_label("Ouvert maintenant").is_checked()
    if page.device == "phone":
        assert page.get_by_role("button", name="Filtres", exact=True).is_visible()
    assert_clean(page)


# --- 2 and 3. distances only from a real position; never in the URL -------------------


def test_no_distance_without_a_position(device_page, site_url, db):
    page = device_page
    # Peipin, zoomed in: before, the list said « à 8,5 km » from the map's centre.
    open_home(page, site_url + "/?c=44.13700,5.95500&z=13")
    wait_until(page, "document.querySelectorAll('#results-list button[data-id]').length > 0")
    assert page.locator("#results-list .result-distance").count() == 0
    assert "de vous" not in page.locator("#results").inner_text()
    assert_clean(page)


def test_the_position_never_goes_into_the_url(browser, request, site_url, db):
    from .conftest import new_page

    for device in ("desktop", "phone"):
        page = new_page(browser, device, located=True)
        try:
            open_home(page, site_url + "/")
            page.get_by_role("button", name="Autour de moi").click()
            wait_until(page, f"{STATUS}.includes('plus proche de vous')")
            assert page.locator("#results-list .result-distance").count() > 0
            assert "moi=" not in page.url
            pk = list_ids(page)[0]
            show_list(page)
            page.locator(f'#results-list button[data-id="{pk}"]').click()
            page.locator("#detail h2#detail-title").wait_for()
            assert "moi=" not in page.url and f"b={pk}" in page.url
            assert_clean(page)
        finally:
            finish_page(page, request)
        # An old link with the sender's position, opened by someone else: no blue dot, no
        # distance, and the address bar no longer carries it.
        page = new_page(browser, device)
        try:
            open_home(page, site_url + "/?c=43.29800,5.38100&z=15&moi=43.29800,5.38100")
            wait_until(page, "!location.search.includes('moi=')")
            assert page.locator("path.sn-user").count() == 0
            assert page.locator("#results-list .result-distance").count() == 0
            assert "de vous" not in page.locator("#results-status").inner_text()
            assert_clean(page)
        finally:
            finish_page(page, request)


# --- 4. the URL and the controls agree ------------------------------------------------


def test_commune_change_closes_the_detail_and_back_restores_everything(device_page, site_url, db):
    page = device_page
    open_home(page, site_url + "/")
    box = page.get_by_role("combobox", name="Commune ou code postal")
    choose_commune(page, "Marseil", "Marseille")
    page.wait_for_url(re.compile("commune=13055"))
    wait_until(page, "sauvonsNoel.map.getZoom() >= 10")
    wait_until(
        page,
        "[...document.querySelectorAll('#results-list .result-address')]"
        ".some(e => e.textContent.includes('Marseille'))",
    )
    show_list(page)
    pk = list_ids(page)[0]
    name = Business.objects.get(pk=pk).name
    page.locator(f'#results-list button[data-id="{pk}"]').click()
    page.locator("#detail h2#detail-title").wait_for()
    page.wait_for_url(re.compile(f"b={pk}"))
    # The view of this history entry: Marseille, panned if need be to show the shop.
    page.wait_for_timeout(200)
    marseille_view = page.evaluate(VIEW)
    # Choosing Aix closes the Marseille shop and drops it from the URL.
    choose_commune(page, "Aix-en-Pro", "Aix-en-Provence")
    page.wait_for_url(re.compile("commune=13001"))
    assert page.locator("#detail").is_hidden()
    assert f"b={pk}" not in page.url
    assert box.input_value() == "Aix-en-Provence"
    wait_until(page, "Math.abs(sauvonsNoel.map.getCenter().lat - 43.53) < 0.15")
    # Back: Marseille again, its field, its view, its open shop.
    page.go_back()
    page.wait_for_url(re.compile(f"b={pk}"))
    assert "commune=13055" in page.url
    wait_until(page, "document.getElementById('commune-search').value === 'Marseille'")
    page.locator("#detail h2#detail-title").wait_for()
    wait_until(page, "id => document.getElementById('detail-title').textContent === id", arg=name)
    view = page.evaluate(VIEW)
    assert view[2] == marseille_view[2]
    # The same view to a pixel or two (Leaflet places a panned map on whole pixels).
    assert view[:2] == pytest.approx(marseille_view[:2], abs=2e-3)
    # Forward: Aix, no shop open.
    page.go_forward()
    page.wait_for_url(re.compile("commune=13001"))
    wait_until(page, "document.getElementById('commune-search').value === 'Aix-en-Provence'")
    assert page.locator("#detail").is_hidden()
    wait_until(page, "Math.abs(sauvonsNoel.map.getCenter().lat - 43.53) < 0.15")
    # Back to Marseille without a shop, then to the first view: no commune, empty field.
    page.go_back()
    page.go_back()
    page.wait_for_url(lambda url: "commune=13055" in url and "b=" not in url)
    assert page.locator("#detail").is_hidden()
    assert box.input_value() == "Marseille"
    page.go_back()
    page.wait_for_url(lambda url: "commune=" not in url)
    wait_until(page, "document.getElementById('commune-search').value === ''")
    assert_clean(page)


# --- 5. the API's url, opening_status and photos ---------------------------------------


def test_list_and_detail_link_to_the_shop_page_with_its_status_and_photos(
    device_page, site_url, db, client
):
    page = device_page
    open_home(page, site_url + "/?c=43.29800,5.38100&z=16")
    show_list(page)
    # The first shop the list shows (whichever: the screen's width decides which are in it).
    page.locator("#results-list button[data-id]").first.wait_for()
    pk = int(page.locator("#results-list button[data-id]").first.get_attribute("data-id"))
    properties = client.get(f"/api/v1/businesses/{pk}/").json()["properties"]
    row = page.locator(f'#results-list button[data-id="{pk}"]')
    assert (
        page.locator("#results-list li", has=page.locator(f'button[data-id="{pk}"]'))
        .get_by_role("link")
        .get_attribute("href")
        == properties["url"]
    )
    row.click()
    panel = page.locator("#detail")
    link = panel.get_by_role("link", name="Voir la fiche")
    link.wait_for()
    assert link.get_attribute("href") == properties["url"]
    if properties.get("opening_status"):
        assert properties["opening_status"] in panel.inner_text()
    for photo in (properties.get("photos") or [])[:1]:
        image = panel.locator("img").first
        assert (
            image.get_attribute("alt") == photo["alt"] and image.get_attribute("loading") == "lazy"
        )
    assert_clean(page)
    link.click()
    page.wait_for_url(re.compile(re.escape(properties["url"]) + "$"))
