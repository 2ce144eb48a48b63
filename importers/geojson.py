"""GeoJSON listings (OpenStreetMap-tagged features), e.g. ``osm-chains/*.geojson``.

Each feature becomes a pipeline ``Record`` (see ``importers.pipeline``): areas are
reduced to a point inside them, the key is the feature's id (OSM ``node/123`` style), else
its first ``ref:*`` tag (``<file stem>:<ref>``), else a stable hash of name and position.
Features outside the region are counted, not loaded; unsound ones are rejected with their
feature number, field and reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point

from geo_directory.businesses.models import Business

from .errors import ImportReport, Rejection, feature_collection
from .osm_tags import (
    PACA_DEPARTEMENTS,
    CategoryMatcher,
    clean_postcode,
    describe_kind,
    postcode_departement,
    street_address,
)
from .pipeline import FieldNames, Record, run_import

GEOJSON_FIELDS = FieldNames(id="id", location="geometry", postcode="addr:postcode")


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
    if geom.empty:
        raise ValueError(f"empty {geom.geom_type}")
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


def tags_record(
    number: int,
    external_id: str,
    tags: dict,
    lon: float,
    lat: float,
    matcher: CategoryMatcher,
    raw: str,
) -> Record:
    """A pipeline record from OpenStreetMap tags (shared with the OSM importer)."""
    postcode = clean_postcode(tags)
    country = str(tags.get("addr:country") or "FR")
    return Record(
        number,
        external_id,
        raw,
        name=str(tags.get("name") or "").strip(),
        category_id=matcher.match(tags),
        category_hint=describe_kind(tags),
        street=street_address(tags),
        postcode=postcode,
        lon=lon,
        lat=lat,
        phone=str(tags.get("phone") or tags.get("contact:phone") or "").strip(),
        email=str(tags.get("email") or tags.get("contact:email") or "").strip(),
        website=str(tags.get("website") or tags.get("contact:website") or "").strip(),
        opening_hours=str(tags.get("opening_hours") or "").strip(),
        address_in_region=postcode_departement(postcode) in PACA_DEPARTEMENTS and country == "FR",
    )


def geojson_records(
    path: Path, features: list, matcher: CategoryMatcher
) -> Iterator[Record | Rejection]:
    """The features as pipeline items (no database access: it runs during the COPY)."""
    for number, feature in enumerate(features, start=1):
        raw = json.dumps(feature, ensure_ascii=False)[:2000]
        if not isinstance(feature, dict):
            yield Rejection(number, "feature", "not a GeoJSON Feature object", raw)
            continue
        tags = feature.get("properties") or {}
        if not isinstance(tags, dict):
            yield Rejection(number, "properties", "properties is not an object", raw)
            continue
        try:
            point = _point(feature.get("geometry"))
        except ValueError as exc:
            yield Rejection(number, "geometry", str(exc), raw)
            continue
        yield tags_record(
            number,
            _external_id(feature, tags, path.stem, point),
            tags,
            point.x,
            point.y,
            matcher,
            raw,
        )


def import_geojson(path: Path, source: str = Business.Source.GEOJSON, **options) -> ImportReport:
    """Import a FeatureCollection; options as ``pipeline.run_import`` (dry_run, errors_path...)."""
    path = Path(path)
    features = feature_collection(path)  # SourceError before anything is written
    matcher = CategoryMatcher()
    return run_import(
        path,
        source,
        lambda: geojson_records(path, features, matcher),
        names=GEOJSON_FIELDS,
        total=len(features),
        **options,
    )
