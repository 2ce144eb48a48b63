"""``photos_for``: a listing's photos through its statement compiled once (issue #19), the
same dicts, in the same order, as the ORM's queryset gives, listing after listing."""

import pytest

from geo_directory.photos.models import Photo
from geo_directory.photos.public import photo_dict, photos_for
from tests.factories import make_listing

pytestmark = pytest.mark.django_db


def add_photo(business, position: int, tag: str) -> Photo:
    return Photo.objects.create(
        business=business,
        alt_text=f"Vitrine {tag}",
        position=position,
        variants=[
            {"width": 320, "height": 240, "name": f"photos/{tag}-320.webp"},
            {"width": 800, "height": 600, "name": f"photos/{tag}-800.webp"},
        ],
        source_sha256=tag * 8,
    )


def test_each_listing_gets_its_own_photos_in_order(media_root):
    first, second = make_listing("Fleurs du Port"), make_listing("Pains du Cours")
    a2, a0, a1 = add_photo(first, 2, "a2"), add_photo(first, 0, "a0"), add_photo(first, 1, "a1")
    b0 = add_photo(second, 0, "b0")
    for business, ids in ((first, [a0.pk, a1.pk, a2.pk]), (second, [b0.pk]), (first, None)):
        orm = Photo.objects.filter(business=business).order_by("position", "id")
        expected = [photo_dict(photo) for photo in orm]
        assert photos_for(business) == photos_for(business.pk) == expected
        assert ids is None or [p["id"] for p in expected] == ids
    assert expected[0]["srcset"].endswith("a0-800.webp 800w")
    assert photos_for(make_listing("Sans Photo")) == []
