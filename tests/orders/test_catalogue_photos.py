"""The catalogue shows the shop's photos and each product's own, with their alt text."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from geo_directory.photos.services import add_photo
from tests.photos.images import small_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg(color):
    return SimpleUploadedFile("photo.jpg", small_jpeg(color), content_type="image/jpeg")


def test_shop_and_product_photos_on_the_catalogue(client, shop, media_root):
    business, menu = shop["business"], shop["menu"]
    add_photo(business, jpeg((200, 30, 30)), "La vitrine du traiteur")
    add_photo(business, jpeg((30, 30, 200)), "Le menu du réveillon dressé", product=menu)
    page = client.get(f"/commerces/{business.pk}/commander/").content.decode()
    shop_part, products_part = page.split("<h2>Catalogue</h2>")
    assert 'alt="La vitrine du traiteur"' in shop_part
    assert 'alt="Le menu du réveillon dressé"' in products_part
    assert 'alt="Le menu du réveillon dressé"' not in shop_part
    assert "srcset=" in products_part and 'loading="lazy"' in products_part
