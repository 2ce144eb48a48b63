"""A merchant adds a photo to a listing in headless Chromium, desktop and phone."""

import io

import pytest
from PIL import Image, ImageDraw

from geo_directory.businesses.models import Business, Category
from geo_directory.photos.models import Photo
from tests.factories import make_merchant

# No django_db mark: committed_db makes real commits the live server thread can see.
pytestmark = [pytest.mark.browser]

PASSWORD = "Navettes-Marseille-13!"
ALT = "Four à bois et navettes dorées sur le comptoir"


def shop_front_jpeg() -> bytes:
    image = Image.new("RGB", (1600, 1200), (150, 30, 40))
    ImageDraw.Draw(image).rectangle((300, 300, 1300, 1100), fill=(240, 220, 120))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_merchant_adds_a_photo_and_sees_its_thumbnail(
    page, site_url, committed_db, settings, tmp_path, viewport
):
    settings.MEDIA_ROOT = tmp_path / "media"
    email = f"navettes-{viewport[0]}@example.fr"
    user = make_merchant(email, PASSWORD)
    business = Business.objects.create(
        name="Four des Navettes", category=Category.objects.order_by("id").first(), owner=user
    )
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    console_errors = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))

    page.goto(site_url + "/compte/connexion/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/espace/")
    # From the dashboard, through the visible link of this listing's row.
    row = page.locator(".listing-card", has_text="Four des Navettes")
    row.get_by_role("link", name="Photos").click()
    page.wait_for_url(f"**/espace/commerces/{business.pk}/photos/")
    assert page.get_by_role("heading", name="Photos de « Four des Navettes »").is_visible()

    page.set_input_files(
        "#id_image",
        {"name": "IMG_0001.JPG", "mimeType": "image/jpeg", "buffer": shop_front_jpeg()},
    )
    page.get_by_label("Description de la photo (pour les personnes qui ne la voient pas)").fill(ALT)
    page.get_by_role("button", name="Envoyer la photo").click()
    page.wait_for_selector(".messages >> text=Photo ajoutée.")

    thumb = page.get_by_role("img", name=ALT)
    thumb.wait_for()
    assert thumb.is_visible()
    # Polled from here: wait_for_function's eval is blocked by the page's CSP.
    for _ in range(200):
        if thumb.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        page.wait_for_timeout(50)
    assert thumb.evaluate("img => img.naturalWidth") == 320
    assert Photo.objects.filter(business=business).count() == 1

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"horizontal overflow of {overflow} px"
    assert console_errors == [] and page.js_errors == []


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_photos_page_asks_a_visitor_to_log_in(page, site_url):
    page.goto(site_url + "/espace/commerces/1/photos/")
    page.wait_for_url("**/compte/connexion/**")
    assert page.locator("#id_username").is_visible()
    assert page.js_errors == []
