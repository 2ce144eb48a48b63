"""A listing's photos for any page or API: ``photos_for(business)``.

Returns plain dicts (JSON-ready), in the merchant's order::

    [{"id": 7, "alt": "Vitrine décorée", "product_id": None,
      "width": 1600, "height": 1200,            # of the largest rendition
      "src": ".../ab12-800.webp",               # a sensible default <img src>
      "srcset": ".../ab12-320.webp 320w, .../ab12-800.webp 800w, ...",
      "variants": [{"width": 320, "height": 240, "url": "..."}, ...]}]

Callers show only published listings' photos; the URLs come from the storage
(``default_storage.url``), local ``/media/`` or the S3/CDN domain alike.
"""

from functools import lru_cache

from .models import Photo

DEFAULT_WIDTH = 800


def photo_dict(photo: Photo) -> dict:
    variants = photo.variant_urls()
    default = next((v for v in variants if v["width"] >= DEFAULT_WIDTH), variants[-1])
    return {
        "id": photo.pk,
        "alt": photo.alt_text,
        "product_id": photo.product_id,
        "width": variants[-1]["width"],
        "height": variants[-1]["height"],
        "src": default["url"],
        "srcset": ", ".join(f"{v['url']} {v['width']}w" for v in variants),
        "variants": variants,
    }


def _ordered(photos):
    return photos.order_by("position", "id")


# The listing's id in the statement compiled once: no listing has it.
_BUSINESS = -(2**62)


@lru_cache(maxsize=1)
def _listing_statement() -> tuple[str, tuple, int]:
    """A listing's photos' statement, the ORM's own, compiled once per process: the shop
    page and the API's detail ask it on every request, and building and compiling the
    queryset was ~0.5 ms of Python each time; only the listing's id changes."""
    sql, params = _ordered(Photo.objects.filter(business_id=_BUSINESS)).query.sql_with_params()
    return sql, tuple(params), list(params).index(_BUSINESS)


def photos_for(business, product=None) -> list[dict]:
    """The photos of a listing (or only those of one of its products), in order."""
    business_id = getattr(business, "pk", business)
    if product is not None:
        photos = Photo.objects.filter(business_id=business_id)
        photos = _ordered(photos.filter(product_id=getattr(product, "pk", product)))
    else:
        sql, params, at = _listing_statement()
        params = list(params)
        params[at] = business_id
        photos = Photo.objects.raw(sql, params)
    return [photo_dict(photo) for photo in photos]
