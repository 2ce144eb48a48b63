"""The merchant's « Photos » pages, storage and serving, against the real database."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from PIL import Image

from geo_directory.businesses.models import Business, Category
from geo_directory.orders.models import Product
from geo_directory.photos.models import Photo
from geo_directory.photos.public import photos_for
from geo_directory.photos.services import MAX_PHOTOS_PER_LISTING
from tests.factories import make_merchant

from .images import PDF, SVG, has_metadata, phone_jpeg, png, small_jpeg

pytestmark = pytest.mark.django_db
PASSWORD = "Calissons-Aix-2026!"


def listing(owner, name="Calissons du Cours Mirabeau"):
    return Business.objects.create(
        name=name, category=Category.objects.order_by("id").first(), owner=owner
    )


@pytest.fixture
def owner_client(client, media_root):
    user = make_merchant("calissons@example.fr", PASSWORD)
    client.force_login(user)
    client.business = listing(user)
    return client


def upload(client, business, data, name="photo.jpg", alt="Vitrine décorée pour Noël", **extra):
    return client.post(
        reverse("photos:manage", args=[business.pk]),
        {"image": SimpleUploadedFile(name, data), "alt_text": alt, **extra},
    )


def stored(photo):
    return [default_storage.open(name).read() for name in photo.file_names()]


def test_phone_photo_upload_stores_variants_without_gps(owner_client, media_root):
    business = owner_client.business
    response = upload(owner_client, business, phone_jpeg(), name="IMG_2041.JPG")
    assert response.status_code == 302
    photo = Photo.objects.get(business=business)
    assert photo.alt_text == "Vitrine décorée pour Noël"
    assert [v["width"] for v in photo.variants] == [320, 800, 1536]
    files = stored(photo)
    assert len(files) == 3
    for data in files:
        assert has_metadata(data) == []
    # Every file actually written under MEDIA_ROOT, and nothing else (no raw original).
    on_disk = sorted(p for p in media_root.rglob("*") if p.is_file())
    assert [p.read_bytes() for p in on_disk] and len(on_disk) == 3
    for path in on_disk:
        assert b"GPS" not in path.read_bytes() and path.suffix == ".webp"


def test_renamed_pdf_and_svg_are_refused_with_a_french_message(owner_client):
    business = owner_client.business
    for name, data in (("photo.jpg", PDF), ("photo.svg", SVG), ("photo.jpg", b"")):
        response = upload(owner_client, business, data, name=name)
        assert response.status_code == 400
        text = response.content.decode()
        assert "JPEG, PNG et WebP" in text or "vide" in text
    assert not Photo.objects.exists()


def test_png_is_accepted_and_alt_text_is_required(owner_client):
    business = owner_client.business
    response = upload(owner_client, business, png(), name="vitrine.png", alt="   ")
    assert response.status_code == 400
    assert "Décrivez la photo" in response.content.decode()
    assert upload(owner_client, business, png(), name="vitrine.png").status_code == 302
    assert Photo.objects.filter(business=business).count() == 1


def test_too_large_upload_is_stopped_while_receiving(owner_client):
    data = small_jpeg() + b"\x00" * (10 * 1024 * 1024)
    response = upload(owner_client, owner_client.business, data)
    assert response.status_code == 400
    assert "Fichier trop lourd : 10 Mo au maximum" in response.content.decode()
    assert not Photo.objects.exists()


def test_count_limit_and_duplicates(owner_client):
    business = owner_client.business
    assert upload(owner_client, business, small_jpeg((1, 2, 3), (200, 150))).status_code == 302
    response = upload(owner_client, business, small_jpeg((1, 2, 3), (200, 150)))
    assert "déjà sur la fiche" in response.content.decode()
    for i in range(1, MAX_PHOTOS_PER_LISTING):
        data = small_jpeg((10 * i, 2, 3), (200, 150))
        assert upload(owner_client, business, data).status_code == 302
    assert business.photos.count() == MAX_PHOTOS_PER_LISTING
    response = upload(owner_client, business, small_jpeg((250, 250, 3), (200, 150)))
    assert response.status_code == 400
    assert f"déjà {MAX_PHOTOS_PER_LISTING} photos" in response.content.decode()
    assert business.photos.count() == MAX_PHOTOS_PER_LISTING


def test_alt_text_can_be_corrected(owner_client):
    business = owner_client.business
    upload(owner_client, business, small_jpeg(), alt="Vitirne")
    photo = Photo.objects.get(business=business)
    url = reverse("photos:describe", args=[business.pk, photo.pk])
    assert owner_client.post(url, {"alt_text": "  Vitrine   de Noël "}).status_code == 302
    photo.refresh_from_db()
    assert photo.alt_text == "Vitrine de Noël"
    response = owner_client.post(url, {"alt_text": "   "}, follow=True)
    assert "Description refusée" in response.content.decode()
    photo.refresh_from_db()
    assert photo.alt_text == "Vitrine de Noël"


def test_reorder_and_delete(owner_client, media_root):
    business = owner_client.business
    for color in ((200, 0, 0), (0, 200, 0), (0, 0, 200)):
        upload(owner_client, business, small_jpeg(color), alt=f"Couleur {color}")
    first, second, third = Photo.objects.filter(business=business).order_by("position")
    url = reverse("photos:move", args=[business.pk, third.pk])
    assert owner_client.post(url, {"sens": "avant"}).status_code == 302
    assert [p["id"] for p in photos_for(business)] == [first.pk, third.pk, second.pk]
    names = second.file_names()
    with django_capture_on_commit():
        response = owner_client.post(reverse("photos:delete", args=[business.pk, second.pk]))
    assert response.status_code == 302
    assert [p["id"] for p in photos_for(business)] == [first.pk, third.pk]
    assert not any(default_storage.exists(name) for name in names)
    assert all(default_storage.exists(name) for name in first.file_names())


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_another_merchant_cannot_see_or_touch_the_photos(owner_client, client_factory):
    business = owner_client.business
    upload(owner_client, business, small_jpeg())
    photo = Photo.objects.get(business=business)
    other = client_factory()
    other.force_login(make_merchant("nougat@example.fr", PASSWORD))
    manage = reverse("photos:manage", args=[business.pk])
    assert other.get(manage).status_code == 404
    response = other.post(manage, {"image": SimpleUploadedFile("p.png", png()), "alt_text": "x"})
    assert response.status_code == 404
    move = reverse("photos:move", args=[business.pk, photo.pk])
    assert other.post(move, {"sens": "apres"}).status_code == 404
    delete = reverse("photos:delete", args=[business.pk, photo.pk])
    assert other.post(delete).status_code == 404
    describe = reverse("photos:describe", args=[business.pk, photo.pk])
    assert other.post(describe, {"alt_text": "Piraté"}).status_code == 404
    assert Photo.objects.get(pk=photo.pk).alt_text == "Vitrine décorée pour Noël"
    assert Photo.objects.filter(pk=photo.pk).exists()
    # Their own listing's URL with this photo's id: still not found.
    own = listing(get_user_model().objects.get(email="nougat@example.fr"), "Nougats")
    assert other.post(reverse("photos:delete", args=[own.pk, photo.pk])).status_code == 404
    # Not logged in: to the login page.
    anonymous = client_factory()
    assert anonymous.get(manage).status_code == 302
    # Staff too, as on every owner-only merchant page: they act in the Django admin.
    staff = client_factory()
    staff.force_login(get_user_model().objects.create_user("modo", "modo@x.fr", is_staff=True))
    assert staff.get(manage).status_code == 404
    admin = client_factory()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@x.fr", "x"))
    change = reverse("admin:photos_photo_change", args=[photo.pk])
    assert admin.get(change).status_code == 200
    assert admin.get(reverse("admin:photos_photo_add")).status_code == 403


def test_product_must_be_of_this_listing(owner_client):
    business = owner_client.business
    own_product = Product.objects.create(business=business, name="Calissons", price_cents=1200)
    foreign = Product.objects.create(
        business=listing(None, "Ailleurs"), name="Nougat", price_cents=900
    )
    response = upload(owner_client, business, small_jpeg(), product=foreign.pk)
    assert response.status_code == 400
    assert "pas dans votre catalogue" in response.content.decode()
    assert upload(owner_client, business, small_jpeg(), product=own_product.pk).status_code == 302
    photo = Photo.objects.get(business=business)
    assert photo.product == own_product
    assert [p["id"] for p in photos_for(business, own_product)] == [photo.pk]


def test_media_served_with_immutable_cache_headers(owner_client):
    business = owner_client.business
    upload(owner_client, business, small_jpeg())
    data = photos_for(business)[0]
    assert data["src"].startswith("/media/photos/")
    response = owner_client.get(data["src"])
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Type"] == "image/webp"
    Image.open(io.BytesIO(b"".join(response.streaming_content))).verify()
    # Outside the photos folder: never served (Django's serve refuses to leave the root).
    assert owner_client.get("/media/../settings.py").status_code == 404
    assert owner_client.get("/media/photos/../../pyproject.toml").status_code in (400, 404)
    assert owner_client.get("/media/autre/x.webp").status_code == 404


def test_template_tags_render_the_gallery(owner_client):
    business = owner_client.business
    upload(owner_client, business, phone_jpeg(size=(1200, 900), orientation=1), alt="Étal")
    html = Template("{% load photos %}{% listing_photos business %}").render(
        Context({"business": business})
    )
    assert 'alt="Étal"' in html and "320w" in html and "800w" in html and 'loading="lazy"' in html
    photos = Template("{% load photos %}{% photos_for business as p %}{{ p.0.alt }}").render(
        Context({"business": business})
    )
    assert photos == "Étal"


def test_dashboard_links_to_the_photos_page(owner_client):
    response = owner_client.get(reverse("accounts:dashboard"))
    assert reverse("photos:manage", args=[owner_client.business.pk]) in response.content.decode()


def test_size_limit_handler_stops_reading_the_file(rf):
    """The handler, first in the chain, drops a file past 10 MB while it is received: it
    never reaches a temporary file or the form (the form's own size check is the second
    wall)."""
    from geo_directory.photos.uploads import SizeLimitHandler

    big = SimpleUploadedFile("big.jpg", small_jpeg() + b"\x00" * (10 * 1024 * 1024))
    small = SimpleUploadedFile("small.jpg", small_jpeg())
    for upload_file, stopped in ((big, True), (small, False)):
        request = rf.post("/", {"image": upload_file, "alt_text": "Vitrine"})
        request.upload_handlers.insert(0, SizeLimitHandler(request))
        assert ("image" not in request.FILES) is stopped
        assert getattr(request, "photo_too_large", False) is stopped


def test_media_never_serves_a_file_beside_the_photos_folder(client, media_root):
    """« photos/../x » starts with « photos/ » but names a file beside the folder: a
    claim document or anything else kept under MEDIA_ROOT is never served."""
    secret = media_root / "claims" / "kbis.pdf"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"%PDF-1.4 private")
    (media_root / "photos").mkdir()
    for path in (
        "photos/../claims/kbis.pdf",
        "photos/%2e%2e/claims/kbis.pdf",
        "photos//../claims/kbis.pdf",
    ):
        response = client.get(f"/media/{path}")
        assert response.status_code in (400, 404), path
        assert b"private" not in b"".join(
            getattr(response, "streaming_content", [response.content])
        )
