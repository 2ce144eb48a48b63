"""GeoJSON listings (OpenStreetMap-tagged features), e.g. ``osm-chains/*.geojson``.

Each feature becomes a pipeline ``Record`` (see ``importers.pipeline``): areas are
reduced to a point inside them, the key is the feature's id (OSM ``node/123`` style), else
its first ``ref:*`` tag (``<file stem>:<ref>``), else a stable hash of name and position.
Features outside the region are counted, not loaded; unsound ones are rejected with their
feature number, field and reason.

A partner's GeoJSON that does not speak OSM (its own property names) is read with a
mapping (``mapping=``, the format of ``importers/mapping.py``, shared with CSV and JSON
lists): the properties are its fields, the geometry its point unless the mapping names
``lon``/``lat`` properties.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry

from geo_directory.businesses.models import Business
from geo_directory.territory.region import (
    DEPARTEMENTS,
    WORLD,
    BadCoordinates,
    check_geojson,
    check_lonlat,
)

from . import reasons
from .errors import ImportReport, Rejection
from .json_stream import features_of
from .mapping import Mapper, load_mapping, text_of
from .osm_tags import (
    CategoryMatcher,
    clean_postcode,
    describe_kind,
    postcode_departement,
    street_address,
)
from .pipeline import FieldNames, Record, run_import

GEOJSON_FIELDS = FieldNames(id="id", location="geometry", postcode="addr:postcode")


def _point(geometry) -> tuple[float, float]:
    """(lon, lat) of a GeoJSON geometry; areas are reduced to a point inside them.

    Every position passes ``territory.region`` first (finite, within WGS84's range, a
    known type, bounded vertices): nothing unsound reaches GEOS/GDAL. Points need neither.
    """
    if not isinstance(geometry, dict):
        raise ValueError(reasons.NO_GEOMETRY)
    try:
        if geometry.get("type") == "Point":
            coords = geometry.get("coordinates")
            if not isinstance(coords, list | tuple) or len(coords) < 2:
                raise ValueError(reasons.malformed_point(coords))
            try:
                float(coords[0]), float(coords[1])  # some sources store strings
            except (TypeError, ValueError) as exc:
                raise ValueError(reasons.non_numeric(*coords[:2])) from exc
            return check_lonlat(coords[0], coords[1], WORLD)
        check_geojson(geometry, WORLD)
    except BadCoordinates as exc:
        raise ValueError(str(exc)) from exc
    try:
        geom = GEOSGeometry(json.dumps(geometry), srid=4326)
    except (GEOSException, GDALException, ValueError, TypeError) as exc:
        raise ValueError(reasons.UNREADABLE_GEOMETRY) from exc
    if geom.empty:
        raise ValueError(reasons.empty_geometry(geom.geom_type))
    point = geom.point_on_surface
    return point.x, point.y


def _external_id(feature: dict, tags: dict, stem: str, point: tuple[float, float]) -> str:
    osm_id = feature.get("id") or tags.get("@id")
    if osm_id:
        return str(osm_id)
    refs = sorted(key for key in tags if key.startswith("ref:") and tags[key] not in ("", None))
    if refs:
        return f"{stem}:{tags[refs[0]]}"
    # No identifier at all (e.g. the B&M scrape): a stable key from what identifies the shop.
    basis = "|".join(
        [
            stem,
            str(tags.get("alt_name") or tags.get("name") or ""),
            f"{point[0]:.5f},{point[1]:.5f}",
        ]
    )
    return f"{stem}:{hashlib.sha1(basis.encode()).hexdigest()[:16]}"


def raw_json(value) -> str:
    """The source's text of a feature or element, for the error report (never fatal)."""
    try:
        return json.dumps(value, ensure_ascii=False)[:2000]
    except (RecursionError, TypeError, ValueError):
        return repr(value)[:2000]


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
        address_in_region=postcode_departement(postcode) in DEPARTEMENTS and country == "FR",
    )


def geojson_records(
    path: Path, features: Iterable, matcher: CategoryMatcher
) -> Iterator[Record | Rejection]:
    """The features as pipeline items (no database access: it runs during the COPY)."""
    for number, feature in enumerate(features, start=1):
        raw = raw_json(feature)
        if not isinstance(feature, dict):
            yield Rejection(number, "feature", reasons.NOT_A_FEATURE, raw)
            continue
        tags = feature.get("properties") or {}
        if not isinstance(tags, dict):
            yield Rejection(number, "properties", reasons.PROPERTIES_NOT_OBJECT, raw)
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
            point[0],
            point[1],
            matcher,
            raw,
        )


def mapped_records(features: Iterable, mapper: Mapper) -> Iterator:
    """The features of a partner's GeoJSON read through a mapping."""
    record = mapper.record
    for number, feature in enumerate(features, start=1):
        raw = raw_json(feature)
        if not isinstance(feature, dict):
            yield Rejection(number, "feature", reasons.NOT_A_FEATURE, raw)
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            yield Rejection(number, "properties", reasons.PROPERTIES_NOT_OBJECT, raw)
            continue
        point = None
        if feature.get("geometry") is not None:
            try:
                point = _point(feature["geometry"])
            except ValueError as exc:
                yield Rejection(number, "geometry", str(exc), raw)
                continue
        yield record(number, lambda name, p=properties: text_of(p.get(name)), raw, point)


def import_geojson(
    path: Path,
    source: str = Business.Source.GEOJSON,
    mapping: dict | Path | None = None,
    **options,
) -> ImportReport:
    """Import a FeatureCollection; options as ``pipeline.run_import`` (dry_run, errors_path...).

    Without ``mapping``, the properties are OpenStreetMap tags."""
    path = Path(path)
    if mapping is not None and not isinstance(mapping, dict):
        mapping = load_mapping(mapping)
    # SourceError before anything is written; a big file is streamed (json_stream).
    features, total = features_of(path)
    if mapping is not None:
        mapper = Mapper(mapping, geometry=True)
        items, names = (lambda: mapped_records(features(), mapper)), mapper.field_names()
    else:
        matcher = CategoryMatcher()
        items, names = (lambda: geojson_records(path, features(), matcher)), GEOJSON_FIELDS
    return run_import(path, source, items, names=names, total=total, **options)
