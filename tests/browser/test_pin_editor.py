"""The merchant's pin editor in headless Chromium: geocode, drag to the door, save."""

import pytest

from geo_directory.businesses.models import Business, Category
from tests.factories import make_merchant

# No django_db mark: committed_db makes real commits the live server thread can see.
pytestmark = [pytest.mark.browser]

PASSWORD = "Santons-Aubagne-13!"


@pytest.fixture
def logged_in(page, site_url, committed_db, settings):
    settings.TILE_URL = site_url + "/static/no-tiles/{z}/{x}/{y}.png"  # no internet in tests
    make_merchant("santonnier@example.fr", PASSWORD)
    page.goto(site_url + "/compte/connexion/")
    page.fill("#id_username", "santonnier@example.fr")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/espace/")
    return page


def fill_listing(page, site_url):
    page.goto(site_url + "/espace/commerces/nouveau/")
    page.fill("#id_name", "Santons de la Canebière")
    page.select_option("#id_category", str(Category.objects.get(slug="boulangerie").pk))
    page.fill("#id_street", "2 La Canebière")
    page.fill("#id_postcode", "13001")
    page.fill("#id_city", "Marseille")
    page.fill("#id_hours_1", "09:30-12:30, 14:00-19:00")
    page.fill("#id_closures", "24/12, 31/12")
    page.click("#pin-locate")
    page.wait_for_selector("#pin-status:has-text('Adresse trouvée')")
    page.wait_for_selector(".pin-icon")


def test_drag_the_pin_to_the_door_and_save(logged_in, site_url, fake_ban):  # noqa: F811
    page = logged_in
    fill_listing(page, site_url)
    geocoded = (float(page.input_value("#id_lon")), float(page.input_value("#id_lat")))
    assert geocoded == pytest.approx((5.3776, 43.2966))

    box = page.locator(".pin-icon").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 25, steps=12)
    page.mouse.move(x + 80, y + 50, steps=12)
    page.mouse.up()
    page.wait_for_selector("#pin-status:has-text('Épingle placée')")
    dragged = (float(page.input_value("#id_lon")), float(page.input_value("#id_lat")))
    assert dragged[0] > geocoded[0] and dragged[1] < geocoded[1]  # east and south
    assert page.input_value("#id_pin_precision") == "manual"
    # The reverse geocoding filled the address back from the dragged pin.
    assert page.input_value("#id_street") == "2 La Canebière"

    page.click("#save")
    page.wait_for_selector("text=soumise à la modération")
    business = Business.objects.get(name="Santons de la Canebière")
    assert (business.location.x, business.location.y) == pytest.approx(dragged, abs=1e-7)
    assert business.commune_id == "13055"
    assert business.geocode_precision == "manual"
    assert business.status == "pending"
    assert business.opening_hours == "Tu 09:30-12:30,14:00-19:00; Dec 24,Dec 31 off"
    assert page.js_errors == []


def test_pin_outside_the_region_is_refused(logged_in, site_url, fake_ban):  # noqa: F811
    page = logged_in
    fill_listing(page, site_url)
    # Move the pin to Paris as a drag would end there.
    page.evaluate(
        "() => { const m = window.pinEditorMarker; m.setLatLng([48.8566, 2.3522]);"
        " m.fire('dragend'); }"
    )
    page.wait_for_selector("#pin-status.refused:has-text('hors de la Région Sud')")
    page.click("#save")
    page.wait_for_selector("#form-errors:has-text('hors de la Région Sud')")
    assert not Business.objects.filter(name="Santons de la Canebière").exists()
    assert page.js_errors == []
