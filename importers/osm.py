"""OpenStreetMap listings: Overpass JSON, GeoJSON exports and ``.osm.pbf`` extracts.

The key is ``node/123`` / ``way/456`` / ``relation/789``; tags map to fields and categories
through ``importers.osm_tags`` (shared with the GeoJSON importer). Ways and areas are
reduced to a point inside them (Overpass ``center`` when given, else the point on surface
of their geometry). Objects whose kind is not one of our categories (benches, banks,
parkings...) are skipped and counted, not rejected: an extract holds thousands.

- Overpass JSON (``[out:json]``, any of ``out center``, ``out geom``, or ``out body; >;``):
  nodes carry ``lat``/``lon``; ways use ``center``, else ``geometry``, else their
  ``nodes`` looked up among the untagged nodes of the same answer.
- GeoJSON (overpass-turbo / osmium export): ``id`` or ``@id`` = ``node/123``.
- ``.osm.pbf`` (and ``.osm``): read with the ``osmium`` package, node locations kept for
  the ways (``with_locations``); multipolygon relations through ``with_areas``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import shapely

from geo_directory.businesses.models import Business
from geo_directory.territory.region import WORLD, BadCoordinates, check_lonlat

from . import reasons
from .errors import ImportReport, Rejection, SourceError, read_json
from .geojson import geojson_records, raw_json, tags_record
from .osm_tags import CATEGORY_KEYS, CategoryMatcher, describe_kind
from .pipeline import FieldNames, Record, Skip, run_import

OSM_FIELDS = FieldNames(id="id", location="geometry", postcode="addr:postcode")
NOT_OURS = reasons.OSM_NOT_OURS


def _relevant(tags: dict) -> bool:
    return any(tags.get(key) for key in CATEGORY_KEYS)


def _osm_item(
    number: int, key: str, tags: dict, point: tuple[float, float] | None, matcher, raw: str
) -> Record | Rejection | Skip:
    if matcher.match(tags) is None:
        return Skip(number, NOT_OURS)
    if point is None:
        return Rejection(number, "geometry", reasons.no_osm_position(key), raw)
    return tags_record(number, key, tags, point[0], point[1], matcher, raw)


def _way_point(element: dict, nodes: dict[int, tuple[float, float]]):
    """A point inside a way (or an area's ring); every position is checked by
    ``territory.region`` before shapely (GEOS) sees it (BadCoordinates otherwise)."""
    center = element.get("center")
    if isinstance(center, dict) and "lon" in center and "lat" in center:
        return check_lonlat(center["lon"], center["lat"], WORLD)
    coords = [
        check_lonlat(p["lon"], p.get("lat"), WORLD)
        for p in element.get("geometry") or []
        if isinstance(p, dict) and "lon" in p
    ]
    if not coords:
        coords = [nodes[n] for n in element.get("nodes") or [] if n in nodes]
    if not coords:
        return None
    if len(coords) >= 4 and coords[0] == coords[-1]:
        geom = shapely.Polygon(coords)
    elif len(coords) >= 2:
        geom = shapely.LineString(coords)
    else:
        geom = shapely.Point(coords[0])
    point = geom.point_on_surface() if geom.is_valid else geom.centroid
    return point.x, point.y


def _node_positions(elements: list) -> Iterator[tuple[int, tuple[float, float]]]:
    """The nodes' positions, for the ways that list node ids: a node whose position is
    not one is left out (the way it belongs to is then placed without it, or rejected)."""
    for e in elements:
        if (
            isinstance(e, dict)
            and e.get("type") == "node"
            and isinstance(e.get("id"), int | str)
            and "lon" in e
            and "lat" in e
        ):
            try:
                yield e.get("id"), check_lonlat(e["lon"], e["lat"], WORLD)
            except BadCoordinates:
                continue


def overpass_records(elements: list, matcher: CategoryMatcher) -> Iterator:
    nodes = dict(_node_positions(elements))
    for number, element in enumerate(elements, start=1):
        if not isinstance(element, dict):
            yield Rejection(number, "element", reasons.NOT_AN_OSM_ELEMENT, str(element)[:500])
            continue
        tags = element.get("tags") or {}
        if not _relevant(tags):
            continue  # untagged nodes of ways, benches...: not listings, not counted
        key = f"{element.get('type')}/{element.get('id')}"
        raw = raw_json(element)
        try:
            if element.get("type") == "node":
                point = check_lonlat(element["lon"], element["lat"], WORLD)
            else:
                point = _way_point(element, nodes)
        except (KeyError, TypeError, ValueError) as exc:
            # Our checks' French words; a missing key or shapely's internals are not said.
            why = str(exc) if isinstance(exc, BadCoordinates) else ""
            yield Rejection(number, "geometry", reasons.unreadable_osm_position(key, why), raw)
            continue
        yield _osm_item(number, key, tags, point, matcher, raw)


def pbf_records(path: Path, matcher: CategoryMatcher) -> Iterator:
    import osmium

    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas()
        .with_filter(osmium.filter.KeyFilter(*CATEGORY_KEYS))
    )
    number = 0
    try:
        for obj in processor:
            number += 1
            tags = dict(obj.tags)
            if obj.is_node():
                key = f"node/{obj.id}"
                point = (obj.location.lon, obj.location.lat) if obj.location.valid() else None
            elif obj.is_way():
                key = f"way/{obj.id}"
                coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                point = _way_point({"geometry": [{"lon": x, "lat": y} for x, y in coords]}, {})
            elif obj.is_area():
                if obj.from_way():
                    continue  # the way itself was handled
                key = f"relation/{obj.orig_id()}"
                wkb = osmium.geom.WKBFactory().create_multipolygon(obj)
                point = shapely.from_wkb(bytes.fromhex(wkb)).point_on_surface()
                point = (point.x, point.y)
            else:
                continue
            raw = json.dumps({"id": key, "tags": tags}, ensure_ascii=False)[:2000]
            yield _osm_item(number, key, tags, point, matcher, raw)
    except RuntimeError as exc:  # osmium: truncated or corrupt file
        raise SourceError(f"{path} : fichier OSM illisible (tronqué ou corrompu)") from exc


def import_osm(path: Path, **options) -> ImportReport:
    """Import an Overpass JSON, GeoJSON or .osm.pbf file (options as pipeline.run_import)."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(reasons.file_not_found(path))
    matcher = CategoryMatcher()
    name = path.name.lower()
    if name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz")):
        items = lambda: pbf_records(path, matcher)  # noqa: E731
    else:
        data = read_json(path)
        if isinstance(data, dict) and isinstance(data.get("elements"), list):
            elements = data["elements"]
            items = lambda: overpass_records(elements, matcher)  # noqa: E731
        elif isinstance(data, dict) and data.get("type") == "FeatureCollection":
            features = data.get("features")
            if not isinstance(features, list):
                raise SourceError(f"{path} : {reasons.NO_FEATURES_LIST}")
            items = lambda: _osm_features(path, features, matcher)  # noqa: E731
        else:
            raise SourceError(
                f"{path} : ni du JSON Overpass (une liste « elements »), ni une"
                " FeatureCollection GeoJSON"
            )
    return run_import(path, Business.Source.OSM, items, names=OSM_FIELDS, **options)


def _osm_features(path: Path, features: list, matcher: CategoryMatcher) -> Iterator:
    """GeoJSON features of an OSM export: objects outside our categories are skipped."""
    for item in geojson_records(path, features, matcher):
        if isinstance(item, Record) and item.category_id is None:
            yield Skip(item.line, NOT_OURS)
        else:
            yield item


__all__ = ["import_osm", "describe_kind"]
