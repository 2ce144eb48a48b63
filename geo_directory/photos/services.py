"""Adding, moving and deleting a listing's photos: files through Django's storage API."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max

from geo_directory.businesses.models import Business

from .models import Photo, delete_files
from .processing import PhotoRejected, check_size, renditions

MAX_PHOTOS_PER_LISTING = 10


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _check_room(business: Business) -> None:
    if business.photos.count() >= MAX_PHOTOS_PER_LISTING:
        raise PhotoRejected(
            f"Cette fiche a déjà {MAX_PHOTOS_PER_LISTING} photos, le maximum : "
            "supprimez-en une avant d'en ajouter une autre."
        )


def add_photo(business: Business, upload, alt_text: str, product=None) -> Photo:
    """Check, convert and store an uploaded image; PhotoRejected (French) if refused.

    The renditions are written before the row, under names derived from their content
    (``photos/<listing>/<hash>-<width>.webp``): a name never gets other bytes, so the
    files can be cached as immutable. If the row cannot be saved, they are deleted.
    """
    check_size(getattr(upload, "size", None))
    _check_room(business)  # early, before the decoding work; checked again under a lock
    source_sha256 = _sha256(upload)
    if business.photos.filter(source_sha256=source_sha256).exists():
        raise PhotoRejected("Cette photo est déjà sur la fiche.")
    results = renditions(upload)
    names = []
    variants = []
    try:
        for rendition in results:
            name = f"photos/{business.pk}/{rendition.sha256[:24]}-{rendition.width}.webp"
            if not default_storage.exists(name):
                name = default_storage.save(name, ContentFile(rendition.data))
                names.append(name)
            variants.append({"width": rendition.width, "height": rendition.height, "name": name})
        with transaction.atomic():
            # The listing's row is the lock: two uploads at once cannot both be the 10th.
            Business.objects.select_for_update().only("pk").get(pk=business.pk)
            _check_room(business)
            top = business.photos.aggregate(m=Max("position"))["m"]
            return Photo.objects.create(
                business=business,
                product=product,
                alt_text=alt_text,
                position=0 if top is None else top + 1,
                variants=variants,
                source_sha256=source_sha256,
            )
    except IntegrityError as exc:
        delete_files(names)
        raise PhotoRejected("Cette photo est déjà sur la fiche.") from exc
    except BaseException:
        delete_files(names)
        raise


def delete_photo(photo: Photo) -> None:
    photo.delete()  # its files go with it once committed (models.delete_files_after)


def move_photo(photo: Photo, step: int) -> None:
    """Swap a photo with its neighbour (step -1: earlier, +1: later); positions renumbered."""
    with transaction.atomic():
        Business.objects.select_for_update().only("pk").get(pk=photo.business_id)
        photos = list(Photo.objects.filter(business_id=photo.business_id).order_by("position"))
        index = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
        other = index + step
        if 0 <= other < len(photos):
            photos[index], photos[other] = photos[other], photos[index]
        for position, item in enumerate(photos):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
