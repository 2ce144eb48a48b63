"""Who delivers where: the businesses whose delivery zone covers a point."""

from __future__ import annotations

from django.contrib.gis.db.models.functions import GeometryDistance
from django.contrib.gis.geos import Point
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter

from geo_directory.businesses.models import Business

from .models import Campaign


class BadPoint(ValueError):
    pass


def _point_parameter() -> OpenApiParameter:
    from geo_directory.api.params import LONLAT_FORMAT, domain_text

    return OpenApiParameter(
        "point",
        {"type": "string", "format": LONLAT_FORMAT},
        OpenApiParameter.QUERY,
        required=True,
        description=(
            "Position « longitude,latitude » en degrés décimaux (WGS84, "
            f"{domain_text()}), par exemple 5.3785,43.2975."
        ),
    )


def parse_point(raw: str | None) -> Point:
    """``"lon,lat"`` (WGS84) → Point, or BadPoint with a French message.

    The API's own parser (``api.params.parse_lonlat``: decimal degrees, the region's
    coordinate guard before GEOS sees a number); spaces a person typed are ignored.
    """
    from geo_directory.api.params import ParamError, parse_lonlat

    text = "".join((raw or "").split())
    if not text:
        raise BadPoint("Paramètre obligatoire : point=longitude,latitude (ex. 5.3785,43.2975).")
    try:
        lon, lat = parse_lonlat(text)
    except ParamError as exc:
        raise BadPoint(str(exc)) from None
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


# The OpenAPI declaration of ``point`` (api/params.py's format and limits).
POINT_PARAMETER = _point_parameter()


ALTERNATIVES = 5


def delivery_answer(business: Business, point: Point, now=None) -> dict:
    """« Livrez-vous chez moi ? », answered as soon as the door is placed.

    The same rule as the checkout's own check (the zone's GiST-indexed ST_Intersects);
    when the answer is no, what the resident can do instead: collect the order here, or
    order from the nearest shops that deliver to that door and take orders now.
    """
    now = now or timezone.now()
    delivers = (
        business.offers_delivery
        and Business.objects.filter(pk=business.pk).delivering_to(point).exists()
    )
    open_campaigns = Campaign.objects.open_at(now).filter(business=OuterRef("pk"))
    pickup = business.campaigns.open_at(now).filter(offers_pickup=True).exists()
    alternatives = []
    if not delivers:
        others = (
            Business.objects.published()
            .delivering_to(point)
            .exclude(pk=business.pk)
            .filter(Exists(open_campaigns.filter(offers_delivery=True)))
            .select_related("commune", "category")
            .annotate(distance=GeometryDistance("location", point))
            .order_by("distance", "id")[:ALTERNATIVES]
        )
        alternatives = [
            {
                "name": other.name,
                "category": other.category.label,
                "commune": other.commune.name if other.commune_id else "",
                "url": reverse("orders:catalogue", args=[other.pk]),
            }
            for other in others
        ]
    if delivers:
        message = f"{business.name} livre à cette adresse."
    elif not business.offers_delivery:
        message = f"{business.name} ne livre pas."
    else:
        message = f"Cette adresse est hors de la zone de livraison de {business.name}."
    return {
        "delivers": bool(delivers),
        "message": message,
        "pickup": pickup,
        "alternatives": alternatives,
    }
