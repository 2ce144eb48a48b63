"""Région Sud's constants, and the guard every coordinate from outside passes first.

GEOS 3.11 aborts the whole process (``*** stack smashing detected ***`` in its WKT writer)
on coordinates of about 1e150 and more, and GDAL/PROJ misbehave on NaN and infinities. A
Python ``try`` cannot catch an abort, so coordinates from forms, the API, geocoding answers
and import files are checked here, in plain Python, *before* any GEOS or GDAL object is
built from them. Every check raises :class:`BadCoordinates` with a French message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# The six départements of region 93.
DEPARTEMENTS = frozenset({"04", "05", "06", "13", "83", "84"})

# lon_min, lat_min, lon_max, lat_max: the region and its immediate surroundings (the map's
# default view, the whole-region clusters, the box a delivery zone must stay within).
EXTENT = (4.2, 42.9, 7.8, 45.2)

# Where a position may be at all: France and well around it. Positions are projected to
# Lambert-93 (metres), which has no meaning near the poles or the antimeridian.
DOMAIN = (-20.0, 30.0, 30.0, 60.0)

# The whole WGS84 range, for geometries that are only stored, never projected.
WORLD = (-180.0, -90.0, 180.0, 90.0)

# A delivery zone is drawn around a shop of the region: it stays within the region's
# extent plus this margin (degrees, about 55 km).
ZONE_MARGIN = 0.5

# A drawn delivery zone or an imported geometry with more vertices than this is refused
# before any parsing by GEOS (a whole-département outline simplified is a few thousand).
MAX_VERTICES = 20_000

GEOMETRY_TYPES = {
    "Point": 1,
    "MultiPoint": 2,
    "LineString": 2,
    "MultiLineString": 3,
    "Polygon": 3,
    "MultiPolygon": 4,
}


class BadCoordinates(ValueError):
    """Coordinates that must not reach GEOS/GDAL; the message is French, for a person."""


def grown(box: tuple[float, float, float, float], margin: float) -> tuple[float, ...]:
    return (box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin)


def in_box(lon: float, lat: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def _number(value) -> float:
    # bool is an int in Python; JSON ``true`` is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadCoordinates("Les coordonnées doivent être des nombres.")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise BadCoordinates("Les coordonnées doivent être des nombres.") from None
    if not math.isfinite(number):
        raise BadCoordinates("Les coordonnées doivent être des nombres finis.")
    return number


def _describe(box: tuple[float, float, float, float]) -> str:
    if box == WORLD:
        return "longitude de -180 à 180, latitude de -90 à 90"
    return f"longitude de {box[0]:g} à {box[2]:g}, latitude de {box[1]:g} à {box[3]:g}"


def check_lonlat(lon, lat, box: tuple[float, float, float, float] = DOMAIN) -> tuple[float, float]:
    """Finite numbers within ``box`` (numbers or numeric strings) → ``(lon, lat)`` floats."""
    lon, lat = _number(lon), _number(lat)
    if not in_box(lon, lat, box):
        raise BadCoordinates(f"Coordonnées hors limites ({_describe(box)}).")
    return lon, lat


def _positions(coordinates, depth: int) -> Iterable[list]:
    """The positions of a GeoJSON ``coordinates`` array nested ``depth`` levels, without
    recursion (a hostile file may nest arrays thousands of levels deep)."""
    stack = [(coordinates, depth)]
    while stack:
        value, level = stack.pop()
        if not isinstance(value, list | tuple):
            raise BadCoordinates("Géométrie invalide : coordonnées mal formées.")
        if level == 1:
            yield value
        else:
            stack.extend((item, level - 1) for item in value)


def check_geojson(
    geometry,
    box: tuple[float, float, float, float] = DOMAIN,
    types: Iterable[str] = tuple(GEOMETRY_TYPES),
    max_vertices: int = MAX_VERTICES,
) -> dict:
    """A GeoJSON geometry (a parsed dict) whose every position is finite and in ``box``.

    Returns the geometry unchanged, safe to hand to GEOS/GDAL; raises BadCoordinates for a
    type not in ``types``, malformed coordinates, too many vertices or a position outside.
    """
    if not isinstance(geometry, dict):
        raise BadCoordinates("Géométrie invalide : un objet GeoJSON est attendu.")
    kind = geometry.get("type")
    allowed = set(types)
    if kind not in allowed or kind not in GEOMETRY_TYPES:
        wanted = ", ".join(sorted(allowed))
        raise BadCoordinates(
            f"Type de géométrie non pris en charge : « {kind} » (attendu : {wanted})."
        )
    count = 0
    for position in _positions(geometry.get("coordinates"), GEOMETRY_TYPES[kind]):
        if len(position) not in (2, 3):
            raise BadCoordinates("Géométrie invalide : chaque position a 2 ou 3 coordonnées.")
        check_lonlat(position[0], position[1], box)
        if len(position) == 3:
            _number(position[2])
        count += 1
        if count > max_vertices:
            raise BadCoordinates(f"Géométrie trop détaillée : plus de {max_vertices} sommets.")
    if count == 0:
        raise BadCoordinates("Géométrie vide.")
    return geometry
