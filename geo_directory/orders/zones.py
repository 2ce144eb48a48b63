"""Who delivers where: the businesses whose delivery zone covers a point."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point

from geo_directory.businesses.models import Business


class BadPoint(ValueError):
    pass


def parse_point(raw: str | None) -> Point:
    """``"lon,lat"`` (WGS84) → Point, or BadPoint with a French message."""
    if not raw or not raw.strip():
        raise BadPoint("Paramètre obligatoire : point=longitude,latitude (ex. 5.3785,43.2975).")
    parts = raw.split(",")
    if len(parts) != 2:
        raise BadPoint("Format attendu : point=longitude,latitude (ex. 5.3785,43.2975).")
    try:
        lon, lat = (float(part.strip()) for part in parts)
    except ValueError as exc:
        raise BadPoint("Longitude et latitude doivent être des nombres.") from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise BadPoint("Longitude et latitude doivent être des nombres finis.")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadPoint("Coordonnées hors limites (longitude −180..180, latitude −90..90).")
    return Point(lon, lat, srid=4326)


def businesses_delivering_to(point: Point):
    """Published businesses whose zone covers the point: one query, GiST on delivery_zone."""
    return (
        Business.objects.published()
        .delivering_to(point)
        .select_related("category", "commune")
        .only(
            "id",
            "name",
            "location",
            "category__slug",
            "category__label",
            "commune__name",
            "delivery_fee_cents",
            "delivery_min_order_cents",
        )
        .order_by("name", "id")
    )


def as_feature(business: Business) -> dict:
    """The same Feature shape as the search API's listings."""
    return {
        "type": "Feature",
        "id": business.id,
        "geometry": {
            "type": "Point",
            "coordinates": [business.location.x, business.location.y],
        }
        if business.location
        else None,
        "properties": {
            "name": business.name,
            "category": business.category.slug,
            "category_label": business.category.label,
            "commune": business.commune.name if business.commune_id else None,
            "delivery_fee_cents": business.delivery_fee_cents,
            "delivery_min_order_cents": business.delivery_min_order_cents,
        },
    }
