"""Issue #16 in headless Chromium, desktop and phone: a merchant renames a published shop
and closes it on 26 December; the closure is online at once, the name waits, and the
residents' commune page shows the shop all along."""

import pytest
from django.contrib.gis.geos import Point

from geo_directory.businesses.models import Business, Category
from tests.factories import make_merchant

# No django_db mark: committed_db makes real commits the live server thread can see.
pytestmark = [pytest.mark.browser]

# A 1×1 transparent PNG.
TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
PASSWORD = "Faience-Moustiers-04!"
OLD_NAME = "Fournil de la Faïence"
NEW_NAME = "Fournil des Étoiles"


def no_overflow(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"horizontal overflow of {overflow} px on {page.url}"


def fits(page, block, viewport):
    """The pending-revision block is on screen; the whole page too on a desktop. (At
    390 px the merchant's pages overflow because of the dashboard's table and the hours
    editor's table, as before this change: the templates' restyle deals with them.)"""
    box = block.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport[0]
    if viewport[0] > 1000:
        no_overflow(page)


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_merchant_edit_keeps_the_shop_online(
    page, browser, site_url, committed_db, settings, viewport
):
    settings.TILE_URL = site_url + "/static/no-tiles/{z}/{x}/{y}.png"  # no internet in tests
    email = f"fournil-{viewport[0]}@moustiers.fr"
    owner = make_merchant(email, PASSWORD)
    shop = Business.objects.create(
        name=OLD_NAME,
        category=Category.objects.get(slug="boulangerie"),
        location=Point(6.22195, 43.84605, srid=4326),
        geocode_precision="manual",
        street="Place de l'Église",
        postcode="04360",
        opening_hours="Tu-Sa 07:00-13:00,15:30-19:30; Jan 1,Dec 25 off",
        offers_pickup=True,
        owner=owner,
        status=Business.Status.PUBLISHED,
    )
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    # The map tiles' server is a third party: an empty tile stands for it.
    page.route("**/no-tiles/**", lambda route: route.fulfill(content_type="image/png", body=TILE))
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))

    page.goto(site_url + "/compte/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/espace/")
    page.locator(".listing-card", has_text=OLD_NAME).get_by_role(
        "link", name="Modifier la fiche"
    ).click()
    page.wait_for_url(f"**/espace/commerces/{shop.pk}/**")
    page.fill("#id_name", NEW_NAME)
    page.fill("#id_closures", "25/12, 26/12, 01/01")
    page.click("#save")

    page.wait_for_selector(".messages >> text=Publié immédiatement : horaires.")
    message = page.locator(".messages").inner_text()
    assert "En attente de validation par un modérateur : nom" in message
    pending = page.locator(".pending-revision")
    assert pending.is_visible()
    assert f"nom « {OLD_NAME} » → « {NEW_NAME} »" in pending.inner_text()
    assert page.input_value("#id_name") == NEW_NAME  # the form shows the proposal
    fits(page, pending, viewport)

    # Back on the dashboard through the merchant navigation, the change still waits.
    page.locator(".merchant-nav").get_by_role("link", name="Mes commerces").click()
    page.wait_for_url("**/espace/")
    pending = page.locator(".pending-revision", has_text=OLD_NAME)
    assert f"pour « {OLD_NAME} » : nom « {OLD_NAME} » → « {NEW_NAME} »" in pending.inner_text()
    fits(page, pending, viewport)
    assert console_errors == [] and page.js_errors == []

    # A resident, meanwhile: the shop is on its commune's page, old name, new closure.
    resident = browser.new_context(
        locale="fr-FR", viewport={"width": viewport[0], "height": viewport[1]}
    ).new_page()
    resident.goto(site_url + f"/communes/{shop.commune_id}/")
    listing = resident.locator(f"#commerce-{shop.pk}")
    assert listing.is_visible()
    assert "25 et 26 décembre" in listing.inner_text()
    assert NEW_NAME not in resident.content()
    no_overflow(resident)
    resident.context.close()


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_the_edit_page_asks_a_visitor_to_log_in(page, site_url):
    page.goto(site_url + "/espace/commerces/1/")
    page.wait_for_url("**/compte/connexion/**")
    assert page.locator("#id_username").is_visible()
    assert page.js_errors == []
