"""Edits of a published listing that wait for a moderator while the listing stays online.

A merchant's edit of a published listing is split in two: the fields a moderator must see
first (``REVIEWED``: name, category, position, SIRET) go into the listing's one pending
``ListingRevision``; everything else (hours, phone, description, services…) is published
at once. The public version never disappears: the order page, the API and the commune
page go on showing it until the moderator approves the revision, which applies the values
through ``Business.save`` (commune re-resolved, hours recomputed, signals sent).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from geo_directory.postgis.l93 import L93

from .models import Business, Category, ListingRevision
from .moderation import mail_user

# The fields a moderator sees before the public does (and their French labels).
REVIEWED = {"name": "nom", "category": "catégorie", "location": "position", "siret": "SIRET"}
# What travels with the position (how it was found).
POSITION_DETAILS = ("geocode_precision", "geocode_score")


def _public(business: Business, name: str):
    """A reviewed field as JSON: the category's id, the point as [lon, lat]."""
    if name == "category":
        return business.category_id
    if name == "location":
        point = business.location
        return None if point is None else [point.x, point.y]
    return getattr(business, name)


def _restore(business: Business, name: str, value) -> None:
    if name == "category":
        business.category_id = value
    elif name == "location":
        business.location = None if value is None else Point(*value, srid=4326)
    else:
        setattr(business, name, value)


def hold_back(business: Business, public: Business, author, zone_drawn: bool) -> list[str]:
    """Keep the reviewed fields of ``business`` (edited, not saved) at their public value
    (``public``, the row as stored) and put their edits in the pending revision.

    Returns the labels of the fields waiting for validation. A position the geocoder could
    not find (None) is no proposal: the public point stays and nothing is held. A delivery
    zone not drawn by hand is the radius around the door: it will follow a moved door.
    """
    proposed = {}
    for name in REVIEWED:
        edited, current = _public(business, name), _public(public, name)
        if name == "location" and edited is None:
            edited = current
        if edited != current:
            proposed[name] = edited
        _restore(business, name, current)
    if "location" in proposed:
        for name in POSITION_DETAILS:
            proposed[name] = getattr(business, name)
        proposed["zone_from_radius"] = not zone_drawn
    for name in POSITION_DETAILS:
        setattr(business, name, getattr(public, name))
    propose(public, proposed, author)
    return [REVIEWED[name] for name in REVIEWED if name in proposed]


def pending(business: Business) -> ListingRevision | None:
    if business.pk is None:
        return None
    return business.revisions.filter(state=ListingRevision.State.PENDING).first()


def propose(business: Business, proposed: dict, author) -> ListingRevision | None:
    """Create or update the listing's one pending revision; an empty proposal (the
    merchant went back to the public values) withdraws it."""
    revision = (
        ListingRevision.objects.select_for_update()
        .filter(business=business, state=ListingRevision.State.PENDING)
        .first()
    )
    if not proposed:
        if revision is not None:
            revision.state = ListingRevision.State.WITHDRAWN
            revision.save(update_fields=["state", "updated_at"])
        return None
    if revision is None:
        try:
            with transaction.atomic():  # a concurrent edit created it first: update that one
                return ListingRevision.objects.create(
                    business=business, proposed=proposed, author=author
                )
        except IntegrityError:
            revision = ListingRevision.objects.select_for_update().get(
                business=business, state=ListingRevision.State.PENDING
            )
    revision.proposed = proposed
    revision.author = author
    revision.save(update_fields=["proposed", "author", "updated_at"])
    return revision


def withdraw(business: Business) -> None:
    """The whole listing goes to moderation (it is not published): no separate revision."""
    propose(business, {}, None)


def form_initial(revision: ListingRevision | None) -> dict:
    """The merchant's form fields pre-filled with the proposed values."""
    if revision is None:
        return {}
    initial = {k: v for k, v in revision.proposed.items() if k in ("name", "category", "siret")}
    if revision.proposed.get("location"):
        initial["lon"], initial["lat"] = revision.proposed["location"]
        initial["pin_precision"] = revision.proposed.get("geocode_precision") or ""
        initial["pin_score"] = revision.proposed.get("geocode_score")
    return initial


@dataclass
class Change:
    field: str
    label: str
    current: str
    proposed: str


def _moved_metres(a: list[float], b: list[float]) -> float:
    """The distance between two points in Lambert-93 metres (the region's projection)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s),"
            " ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s))",
            [a[0], a[1], L93, b[0], b[1], L93],
        )
        return cursor.fetchone()[0]


def _shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "category":
        category = Category.objects.filter(pk=value).first()
        return category.label if category else f"#{value}"
    if name == "location":
        return f"{value[1]:.6f}, {value[0]:.6f}"
    return str(value)


def changes(revision: ListingRevision) -> list[Change]:
    """The diff a moderator reads: field, public value, proposed value."""
    rows = []
    for name, label in REVIEWED.items():
        if name not in revision.proposed:
            continue
        current, proposed = _public(revision.business, name), revision.proposed[name]
        shown = _shown(name, proposed)
        live = revision.state == ListingRevision.State.PENDING
        if name == "location" and current and proposed and live:
            shown += f" (déplacée de {_moved_metres(current, proposed):.0f} m)"
        rows.append(Change(name, label, _shown(name, current), shown))
    return rows


def describe(revision: ListingRevision) -> str:
    """« nom « A » → « B », position … » for the merchant's pages and mails. A decided
    revision only names what was proposed (the public values have moved on since)."""
    if revision.state != ListingRevision.State.PENDING:
        return ", ".join(f"{c.label} → « {c.proposed} »" for c in changes(revision))
    return ", ".join(f"{c.label} « {c.current} » → « {c.proposed} »" for c in changes(revision))


def _decide(revision: ListingRevision, state: str, moderator, reason: str = "") -> None:
    revision.state = state
    revision.decided_by = moderator
    revision.decided_at = timezone.now()
    revision.reason = reason
    revision.save(update_fields=["state", "decided_by", "decided_at", "reason", "updated_at"])


@transaction.atomic
def approve(revision: ListingRevision, moderator) -> Business:
    """Apply the proposed values through the model and tell the merchant.

    Raises ValueError (French) if the revision is no longer pending or its SIRET is now
    someone else's; OutsideRegion if the point is outside the region.
    """
    revision = ListingRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != ListingRevision.State.PENDING:
        raise ValueError("Cette modification a déjà été traitée.")
    business = Business.objects.select_for_update().get(pk=revision.business_id)
    if business.merged_into_id:
        raise ValueError(f"« {business.name} » a été fusionnée : refusez cette modification.")
    summary = describe(revision)
    from geo_directory.accounts.listings import radius_zone

    for name in REVIEWED:
        if name in revision.proposed:
            _restore(business, name, revision.proposed[name])
    if "location" in revision.proposed:
        for name in POSITION_DETAILS:
            setattr(business, name, revision.proposed.get(name))
        radius = business.offers_delivery and business.delivery_radius_km
        if radius and revision.proposed.get("zone_from_radius"):
            # The zone drawn around the old door follows the shop.
            business.delivery_zone = radius_zone(business.location, business.delivery_radius_km)
    business.owned_fields = sorted(
        set(business.owned_fields) | set(revision.proposed) & {*REVIEWED}
    )
    try:
        with transaction.atomic():
            business.save()
    except IntegrityError as exc:
        raise ValueError(
            f"« {business.name} » : ce SIRET est déjà celui d'une autre fiche, refusez la "
            "modification avec ce motif."
        ) from exc
    _decide(revision, ListingRevision.State.APPROVED, moderator)
    mail_user(
        revision.author or business.owner,
        f"Vos modifications de « {business.name} » sont en ligne",
        f"Bonjour,\n\nUn modérateur a validé vos modifications : {summary}.\nElles sont "
        "désormais visibles sur Sauvons Noël.\n\nL'équipe Sauvons Noël",
    )
    return business


@transaction.atomic
def reject(revision: ListingRevision, moderator, reason: str) -> None:
    """Keep the public values, record the reason and mail it to the merchant."""
    revision = ListingRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.state != ListingRevision.State.PENDING:
        raise ValueError("Cette modification a déjà été traitée.")
    summary = describe(revision)
    _decide(revision, ListingRevision.State.REJECTED, moderator, reason)
    mail_user(
        revision.author or revision.business.owner,
        f"Vos modifications de « {revision.business.name} » n'ont pas été acceptées",
        f"Bonjour,\n\nUn modérateur n'a pas accepté vos modifications : {summary}.\n"
        f"Motif : {reason}\n\nVotre fiche reste en ligne avec ses valeurs actuelles ; vous "
        "pouvez proposer une correction depuis votre espace commerçant.\n\n"
        "L'équipe Sauvons Noël",
    )
