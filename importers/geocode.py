"""Batch geocoding of imported rows that came without coordinates.

Imported rows without coordinates are created ``pending`` with ``geocode_precision = ''``
and the moderation note ``pipeline.GEOCODE_NOTE`` ("à géocoder"). ``geocode_pending``
places them through the geocoding service (``geocoder.place(business, ...)`` returns
None or a review reason). It runs after the import transaction (network calls never hold
the import's locks): ``import_sirene --geocode``.

A listing placed precisely is published; a failed or weak result stays pending and goes
to the service's review queue (``geocoder.flag``), never silently placed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo_directory.businesses.models import Business
from geo_directory.geocoding.service import geocoder

from .pipeline import GEOCODE_NOTE
from .reasons import plural


@dataclass
class GeocodeReport:
    placed: int = 0
    flagged: int = 0
    waiting: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"géocodage : {plural(self.placed, 'fiche placée', 'fiches placées')}, "
            f"{plural(self.flagged, 'envoyée en vérification', 'envoyées en vérification')}, "
            f"{plural(self.waiting, 'encore en attente', 'encore en attente')}"
        ]
        return "\n".join(lines + [f"  remarque : {n}" for n in self.notes])


def waiting(source: str | None = None):
    """Imported listings waiting for a position."""
    rows = Business.objects.filter(
        status=Business.Status.PENDING,
        location__isnull=True,
        geocode_precision="",
        moderation_note=GEOCODE_NOTE,
    )
    return rows.filter(source=source) if source else rows


def geocode_pending(source: str | None = None, limit: int | None = None) -> GeocodeReport:
    report = GeocodeReport()
    rows = waiting(source).select_related("commune").order_by("id")
    for business in rows[:limit] if limit else rows.iterator():
        review = geocoder.place(business, citycode=business.commune_id or "")
        if review is None and business.location is not None:
            business.status = Business.Status.PUBLISHED
            business.moderation_note = ""
            business.save()
            report.placed += 1
        else:
            business.save()
            geocoder.flag(business, *review)
            report.flagged += 1
    report.waiting = waiting(source).count()
    return report
