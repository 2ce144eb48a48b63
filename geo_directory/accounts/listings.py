"""Saving a merchant's listing (claims on existing listings: claims.py; the moderators'
decisions on listings: businesses/moderation.py)."""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection, transaction

from geo_directory.businesses.models import Business
from geo_directory.geocoding.models import ReviewItem
from geo_directory.geocoding.service import MIN_SCORE, geocoder
from geo_directory.territory.managers import OutsideRegion

from .forms import _value


def radius_zone(point: Point, radius_km) -> GEOSGeometry:
    """A disc of ``radius_km`` around ``point``, buffered in Lambert-93 (metres) by PostGIS."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsEWKT(ST_Multi(ST_Transform(ST_Buffer(ST_Transform("
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326), 2154), %s, 16), 4326)))",
            [point.x, point.y, float(radius_km) * 1000],
        )
        return GEOSGeometry(cursor.fetchone()[0])


def changed_fields(business: Business, before: dict) -> set[str]:
    return {name for name in Business.MERCHANT_FIELDS if _value(business, name) != before[name]}


@transaction.atomic
def save_listing(form, user) -> tuple[Business, tuple[str, str] | None]:
    """Save the merchant's form: pin or geocoding, delivery zone, owned fields, pending.

    Returns the listing and the review reason when it went to the review queue. Raises
    OutsideRegion when the geocoded address falls outside the region.
    """
    business: Business = form.save(commit=False)
    business.opening_hours = form.opening_hours
    if business.pk is None:
        business.owner = user
        business.source = Business.Source.MERCHANT
    review = None
    data = form.cleaned_data
    address_changed = bool({"street", "postcode", "city"} & set(form.changed_data))
    if form.point is not None:
        business.location = form.point
        precision = data.get("pin_precision") or Business.Precision.MANUAL
        score = data.get("pin_score")
        business.geocode_precision = precision
        business.geocode_score = score
        weak = precision == "municipality" or (score is not None and score < MIN_SCORE)
        if weak and precision != Business.Precision.MANUAL:
            review = (ReviewItem.Reason.LOW_PRECISION, "Position approximative.")
    elif business.location is None or address_changed:
        address = " ".join(filter(None, [business.street, business.postcode, data.get("city")]))
        review = geocoder.place(business, address, business.postcode)

    if form.drawn_zone is not None:
        business.delivery_zone = form.drawn_zone
    elif business.offers_delivery and business.delivery_radius_km and business.location:
        business.delivery_zone = radius_zone(business.location, business.delivery_radius_km)
    elif not business.offers_delivery:
        business.delivery_zone = None

    for name in ("delivery_min_order", "delivery_fee"):
        euros = data.get(f"{name}_eur")
        setattr(business, f"{name}_cents", None if euros is None else int(round(euros * 100)))

    business.owned_fields = sorted(
        set(business.owned_fields) | changed_fields(business, form.before)
    )
    business.status = Business.Status.PENDING
    business.save()
    if review:
        geocoder.flag(business, *review)
    return business, review


__all__ = ["OutsideRegion", "save_listing"]
