"""Saving a merchant's listing (claims on existing listings: claims.py; the moderators'
decisions on listings: businesses/moderation.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection, transaction

from geo_directory.businesses import revisions
from geo_directory.businesses.models import Business
from geo_directory.geocoding.models import ReviewItem
from geo_directory.geocoding.service import MIN_SCORE, geocoder
from geo_directory.territory.managers import OutsideRegion
from geo_directory.territory.models import Commune

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


@dataclass
class Saved:
    """What ``save_listing`` did: the listing, the geocoding review reason (or None), and
    for a published listing the labels of the fields waiting for a moderator."""

    business: Business
    review: tuple[str, str] | None
    live: bool = False
    held: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)


@transaction.atomic
def save_listing(form, user) -> Saved:
    """Save the merchant's form: pin or geocoding, delivery zone, owned fields, moderation.

    A published listing stays published: its name, category, position and SIRET go into
    the pending revision (businesses/revisions.py), the other fields are published at
    once. Any other listing goes (back) to moderation as a whole. Raises OutsideRegion
    when the geocoded address falls outside the region.
    """
    business: Business = form.save(commit=False)
    business.opening_hours = form.opening_hours
    public = None
    if business.pk is None:
        business.owner = user
        business.source = Business.Source.MERCHANT
    else:
        public = Business.objects.select_for_update().get(pk=business.pk)
    live = public is not None and public.status == Business.Status.PUBLISHED
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

    held = []
    if live:
        if business.location is not None:  # a proposed point must be in the region too
            Commune.objects.resolve_code(business.location, business.postcode or None)
        held = revisions.hold_back(business, public, user, zone_drawn=form.drawn_zone is not None)
    elif public is not None:
        revisions.withdraw(business)  # the whole listing goes to moderation

    if form.drawn_zone is not None:
        business.delivery_zone = form.drawn_zone
    elif business.offers_delivery and business.delivery_radius_km and business.location:
        business.delivery_zone = radius_zone(business.location, business.delivery_radius_km)
    elif not business.offers_delivery:
        business.delivery_zone = None

    for name in ("delivery_min_order", "delivery_fee"):
        euros = data.get(f"{name}_eur")
        setattr(business, f"{name}_cents", None if euros is None else int(round(euros * 100)))

    changed = changed_fields(business, form.before)
    business.owned_fields = sorted(set(business.owned_fields) | changed)
    if not live:
        business.status = Business.Status.PENDING
    business.save()
    if review and live:
        # The position under review is a proposal: the queue gets it, the listing stays up.
        ReviewItem.objects.create(business=business, reason=review[0], detail=review[1])
    elif review:
        geocoder.flag(business, *review)
    return Saved(business, review, live, held, sorted({_label(name) for name in changed}))


def saved_message(saved: Saved) -> str:
    """The French message after a save: what is online now, what waits for a moderator."""
    if not saved.live:
        text = "Votre fiche est enregistrée et soumise à la modération."
        if saved.review:
            text += " Sa position doit être vérifiée par un modérateur."
        return text
    parts = ["Votre fiche est enregistrée et reste en ligne."]
    if saved.published:
        parts.append(f"Publié immédiatement : {', '.join(saved.published)}.")
    if saved.held:
        parts.append(
            f"En attente de validation par un modérateur : {', '.join(saved.held)} "
            "(la fiche garde ses valeurs actuelles d'ici là)."
        )
    if not saved.published and not saved.held:
        parts.append("Aucune modification.")
    if saved.review:
        parts.append("Un modérateur vérifiera la position trouvée pour la nouvelle adresse.")
    return " ".join(parts)


# The published fields as the merchant's message names them.
LABELS = {
    "description": "présentation",
    "street": "adresse",
    "postcode": "code postal",
    "phone": "téléphone",
    "email": "e-mail",
    "website": "site web",
    "opening_hours": "horaires",
    "offers_pickup": "retrait en boutique",
    "offers_delivery": "livraison",
    "delivery_radius_km": "rayon de livraison",
    "delivery_zone": "zone de livraison",
}


def _label(name: str) -> str:
    return LABELS.get(name) or str(Business._meta.get_field(name).verbose_name)


__all__ = ["OutsideRegion", "save_listing"]
