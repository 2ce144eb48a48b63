"""Two uploads at once on a listing with one free place: one gets it, the other a refusal."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from geo_directory.businesses.models import Business, Category
from geo_directory.photos import services
from geo_directory.photos.models import Photo
from geo_directory.photos.processing import PhotoRejected
from tests.factories import make_merchant

from .images import small_jpeg


def test_the_tenth_place_goes_to_one_upload_only(committed_db, media_root, monkeypatch):
    owner = make_merchant("santons@example.fr")
    business = Business.objects.create(
        name="Santons du Panier", category=Category.objects.order_by("id").first(), owner=owner
    )
    for i in range(services.MAX_PHOTOS_PER_LISTING - 1):
        Photo.objects.create(business=business, alt_text=f"P{i}", source_sha256=f"{i:064x}")

    # Both uploads finish their conversion, then race for the last place together.
    barrier = threading.Barrier(2, timeout=30)
    convert = services.renditions

    def converted_then_wait(stream):
        results = convert(stream)
        barrier.wait()
        return results

    monkeypatch.setattr(services, "renditions", converted_then_wait)
    outcomes = []

    def upload(color):
        try:
            data = small_jpeg(color, (200, 150))
            services.add_photo(business, SimpleUploadedFile("p.jpg", data), "Crèche")
            outcomes.append("added")
        except PhotoRejected as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(c,)) for c in ((9, 9, 9), (99, 9, 9))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(outcomes) == 2 and outcomes.count("added") == 1 and "le maximum" in "".join(outcomes)
    assert business.photos.count() == services.MAX_PHOTOS_PER_LISTING
    # The refused upload's files were removed: only the winner's are on disk.
    assert len(list(media_root.rglob("*.webp"))) == 1


# Marked django_db: pytest-django sets up the test database only for the aliases its
# marked tests ask for, so this module run alone needs one (committed_db has no mark).
@pytest.mark.django_db
def test_deleting_a_listing_deletes_its_photo_files(media_root, django_capture_on_commit_callbacks):
    business = Business.objects.create(
        name="Fromagerie", category=Category.objects.order_by("id").first()
    )
    photo = services.add_photo(
        business, SimpleUploadedFile("p.jpg", small_jpeg(size=(1000, 700))), "Plateau"
    )
    assert len(photo.file_names()) == 3 and len(list(media_root.rglob("*.webp"))) == 3
    with django_capture_on_commit_callbacks(execute=True):
        business.delete()
    assert list(media_root.rglob("*.webp")) == []
