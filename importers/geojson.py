"""GeoJSON listings (OpenStreetMap-tagged features), e.g. ``osm-chains/*.geojson``.

First version, used by ``make run`` for the demo data: reads the whole file, checks every
feature, resolves all points to communes in one query, then creates or updates listings
by (source, external id) in one transaction. Features outside the region are counted, not
loaded; unsound ones are rejected with their feature number, field and reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.db import transaction

from geo_directory.businesses import hours
from geo_directory.businesses.models import Business
from geo_directory.territory.managers import COAST_TOLERANCE_M
from geo_directory.territory.models import Commune

from .errors import ImportReport, feature_collection
from .osm_tags import (
    PACA_DEPARTEMENTS,
    CategoryMatcher,
    clean_postcode,
    describe_kind,
    postcode_departement,
    street_address,
)

# The fields an import may set; a merchant's own edits (owned_fields) are never touched.
IMPORTED_FIELDS = (
    "name",
    "category_id",
    "street",
    "postcode",
    "location",
    "phone",
    "email",
    "website",
    "opening_hours",
)


@dataclass
class Candidate:
    number: int
    external_id: str
    values: dict
    raw: str


def _point(geometry) -> Point:
    """A WGS84 point from a GeoJSON geometry; areas are reduced to a point inside them."""
    if not isinstance(geometry, dict):
        raise ValueError("no geometry")
    if geometry.get("type") == "Point":
        coords = geometry.get("coordinates")
        if not isinstance(coords, list | tuple) or len(coords) < 2:
            raise ValueError(f"malformed coordinates {coords!r}")
        try:
            lon, lat = float(coords[0]), float(coords[1])  # some sources store strings
        except (TypeError, ValueError) as exc:
            raise ValueError(f"non-numeric coordinates {coords[:2]!r}") from exc
        return Point(lon, lat, srid=4326)
    try:
        geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise ValueError(f"unreadable geometry ({exc})") from exc
    return geom.point_on_surface


def _external_id(feature: dict, tags: dict, stem: str, point: Point) -> str:
    osm_id = feature.get("id") or tags.get("@id")
    if osm_id:
        return str(osm_id)
    refs = sorted(key for key in tags if key.startswith("ref:") and tags[key] not in ("", None))
    if refs:
        return f"{stem}:{tags[refs[0]]}"
    # No identifier at all (e.g. the B&M scrape): a stable key from what identifies the shop.
    basis = "|".join(
        [stem, str(tags.get("alt_name") or tags.get("name") or ""), f"{point.x:.5f},{point.y:.5f}"]
    )
    return f"{stem}:{hashlib.sha1(basis.encode()).hexdigest()[:16]}"


def _values(tags: dict, category_id: int, point: Point) -> dict:
    return {
        "name": str(tags.get("name") or "").strip()[:200],
        "category_id": category_id,
        "street": street_address(tags),
        "postcode": clean_postcode(tags),
        "location": point,
        "phone": str(tags.get("phone") or tags.get("contact:phone") or "").strip()[:30],
        "email": str(tags.get("email") or tags.get("contact:email") or "").strip()[:254],
        "website": str(tags.get("website") or tags.get("contact:website") or "").strip()[:500],
        "opening_hours": str(tags.get("opening_hours") or "").strip()[:1000],
    }


def import_geojson(path: Path, source: str = Business.Source.GEOJSON) -> ImportReport:
    path = Path(path)
    features = feature_collection(path)
    report = ImportReport(source=path.name, read=len(features))
    matcher = CategoryMatcher()
    parsed: list[tuple[int, dict, dict, Point]] = []
    for number, feature in enumerate(features, start=1):
        raw = json.dumps(feature, ensure_ascii=False)[:2000]
        if not isinstance(feature, dict):
            report.reject(number, "feature", "not a GeoJSON Feature object", raw)
            continue
        tags = feature.get("properties") or {}
        try:
            point = _point(feature.get("geometry"))
        except ValueError as exc:
            report.reject(number, "geometry", str(exc), raw)
            continue
        if point.x == 0 and point.y == 0:
            report.reject(number, "geometry", "coordinates (0, 0): no real position", raw)
            continue
        parsed.append((number, feature, tags, point))

    located = Commune.objects.locate([(p.x, p.y) for *_, p in parsed])
    candidates: list[Candidate] = []
    for (number, feature, tags, point), (code, distance) in zip(parsed, located, strict=True):
        raw = json.dumps(feature, ensure_ascii=False)[:2000]
        postcode = clean_postcode(tags)
        address_in_region = postcode_departement(postcode) in PACA_DEPARTEMENTS
        if code is None or distance > COAST_TOLERANCE_M:
            swapped = Commune.objects.locate([(point.y, point.x)])[0]
            if swapped[0] and swapped[1] <= COAST_TOLERANCE_M:
                report.reject(number, "geometry", "latitude and longitude swapped", raw)
            elif address_in_region and str(tags.get("addr:country") or "FR") == "FR":
                report.reject(
                    number,
                    "geometry",
                    f"coordinates {distance / 1000:.1f} km outside the region "
                    f"while the address says {postcode}",
                    raw,
                )
            else:
                report.outside_region += 1
            continue
        commune_dep = code[:2]
        if postcode and postcode_departement(postcode) != commune_dep:
            report.reject(
                number,
                "addr:postcode",
                f"address {postcode} {tags.get('addr:city', '')} contradicts the coordinates "
                f"(commune {code}, département {commune_dep})",
                raw,
            )
            continue
        if not str(tags.get("name") or "").strip():
            report.reject(number, "name", "missing name", raw)
            continue
        category_id = matcher.match(tags)
        if category_id is None:
            report.reject(number, "category", f"no category for {describe_kind(tags)}", raw)
            continue
        values = _values(tags, category_id, point)
        try:
            values["opening_hours"] = hours.validate(values["opening_hours"])
        except hours.InvalidHours as exc:
            report.reject(number, "opening_hours", str(exc), raw)
            continue
        values["commune_id"] = code
        candidates.append(
            Candidate(number, _external_id(feature, tags, path.stem, point), values, raw)
        )
    _upsert(candidates, source, report)
    return report


def _differs(business: Business, values: dict) -> list[str]:
    changed = []
    for name, value in values.items():
        if name in business.owned_fields or name.removesuffix("_id") in business.owned_fields:
            continue
        current = getattr(business, name)
        if name == "location":
            same = current is not None and current.equals_exact(value, tolerance=1e-7)
        else:
            same = current == value
        if not same:
            changed.append(name)
    return changed


def _upsert(candidates: list[Candidate], source: str, report: ImportReport) -> None:
    seen: dict[str, int] = {}
    unique = []
    for candidate in candidates:
        first = seen.get(candidate.external_id)
        if first is not None:
            report.reject(
                candidate.number,
                "id",
                f"duplicate identifier {candidate.external_id} (first at #{first})",
                candidate.raw,
            )
            continue
        seen[candidate.external_id] = candidate.number
        unique.append(candidate)
    with transaction.atomic():
        existing = {
            b.external_id: b
            for b in Business.objects.select_for_update().filter(
                source=source, external_id__in=[c.external_id for c in unique]
            )
        }
        to_create, to_update = [], []
        for candidate in unique:
            business = existing.get(candidate.external_id)
            if business is None:
                business = Business(
                    source=source,
                    external_id=candidate.external_id,
                    status=Business.Status.PUBLISHED,
                    geocode_precision=Business.Precision.SOURCE,
                    **candidate.values,
                )
                business.apply_hours()
                to_create.append(business)
                continue
            changed = _differs(business, candidate.values)
            if not changed:
                report.unchanged += 1
                continue
            for name in changed:
                setattr(business, name, candidate.values[name])
            business.apply_hours()
            to_update.append(business)
        Business.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Business.objects.bulk_update(
                to_update,
                [
                    *IMPORTED_FIELDS,
                    "commune_id",
                    "hours_week",
                    "hours_windows",
                    "hours_windows_until",
                    "updated_at",
                ],
                batch_size=500,
            )
        report.created += len(to_create)
        report.updated += len(to_update)
