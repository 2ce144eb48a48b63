"""Spatial lookups on communes: every point of the product is resolved here."""

import re

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.db import connection

# The boundaries are simplified along the coast: a quay or a beach restaurant can fall
# just outside every polygon. Within this distance it belongs to the nearest commune.
COAST_TOLERANCE_M = 250


class OutsideRegion(ValueError):
    """The point is in no commune of the region, nor within COAST_TOLERANCE_M of one."""

    def __init__(self, point: Point, distance_m: float | None):
        self.point = point
        self.distance_m = distance_m
        where = f"({point.x:.5f}, {point.y:.5f})"
        if distance_m is None:
            msg = f"Le point {where} est hors de la Région Sud (aucune commune chargée)."
        else:
            msg = (
                f"Le point {where} est hors de la Région Sud : "
                f"à {distance_m / 1000:.1f} km de la commune la plus proche "
                f"(tolérance {COAST_TOLERANCE_M} m)."
            )
        super().__init__(msg)


def commune_of_point_sql(point: str, table: str = "territory_commune") -> str:
    """A row subquery yielding ``(code, distance_m)``: the commune of ``point``.

    ``point`` is an SQL expression of an SRID 4326 point (a column, or
    ``ST_SetSRID(ST_MakePoint(lon, lat), 4326)``). Served twice by the GiST index on
    boundary: ST_Intersects for point-in-polygon, then, only when the point is in no
    polygon, the KNN operator for the five nearest polygons, whose exact distance in
    metres (geography) is computed for those few only. Callers apply COAST_TOLERANCE_M.
    Shared by ``locate()`` and the bulk importers (set-based, any number of rows); for
    millions of points the importers pass ``table``: a temporary copy of the boundaries cut
    by ST_Subdivide (columns ``code``, ``boundary``), same answers, much cheaper tests.
    """
    return f"""
      SELECT COALESCE(inside.code, nearest.code) AS code,
             COALESCE(inside.distance_m, nearest.distance_m) AS distance_m
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL (
            SELECT code, 0.0::float8 AS distance_m
              FROM {table} WHERE ST_Intersects(boundary, {point}) LIMIT 1
        ) AS inside ON true
        LEFT JOIN LATERAL (
            SELECT code, ST_Distance(boundary::geography, ({point})::geography) AS distance_m
              FROM (SELECT code, boundary FROM {table}
                     WHERE boundary IS NOT NULL ORDER BY boundary <-> {point} LIMIT 5) AS n
             WHERE inside.code IS NULL
             ORDER BY 2 LIMIT 1
        ) AS nearest ON true"""


# One statement for any number of points.
_RESOLVE_SQL = f"""
SELECT p.i, r.code, r.distance_m
  FROM unnest(%(lons)s::float8[], %(lats)s::float8[]) WITH ORDINALITY AS p(lon, lat, i)
  CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS g) AS pt
  CROSS JOIN LATERAL ({commune_of_point_sql("pt.g")}) AS r
 ORDER BY p.i
"""


class CommuneQuerySet(models.QuerySet):
    def containing(self, point: Point):
        """Communes whose boundary contains ``point`` (0 or 1 row)."""
        return self.filter(boundary__intersects=point)

    def resolve_code(self, point: Point) -> str:
        """The INSEE code of the commune of ``point``, or raise OutsideRegion.

        A point outside every boundary but within COAST_TOLERANCE_M of one resolves to
        the nearest commune.
        """
        if point.srid not in (None, 4326):
            point = point.transform(4326, clone=True)
        code, distance_m = self.locate([(point.x, point.y)])[0]
        if code is None or distance_m > COAST_TOLERANCE_M:
            raise OutsideRegion(point, distance_m)
        return code

    def locate(self, lonlats: list[tuple[float, float]]) -> list[tuple[str | None, float | None]]:
        """For each (lon, lat): the nearest commune's code and distance in metres (0 inside).

        One query for the whole batch; callers apply COAST_TOLERANCE_M.
        """
        if not lonlats:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                _RESOLVE_SQL,
                {"lons": [lon for lon, _ in lonlats], "lats": [lat for _, lat in lonlats]},
            )
            return [(code, distance) for _, code, distance in cursor.fetchall()]

    def resolve(self, point: Point):
        return self.get(code=self.resolve_code(point))

    def autocomplete(self, text: str, limit: int = 10) -> list[dict]:
        return autocomplete(text, limit)

    def with_display_boundary(self, tolerance_deg: float = 0.0005):
        """Annotate ``display_geojson`` (boundary simplified in SQL) and the bbox."""
        from django.db.models import FloatField, Func, TextField, Value

        simplified = Func("boundary", Value(tolerance_deg), function="ST_SimplifyPreserveTopology")
        return self.annotate(
            display_geojson=Func(
                simplified, Value(6), function="ST_AsGeoJSON", output_field=TextField()
            ),
            **{
                f"bbox_{name}": Func(
                    "boundary", function=f"ST_{name.title()}", output_field=FloatField()
                )
                for name in ("xmin", "ymin", "xmax", "ymax")
            },
        )


# Name normalisation shared by the query and the column ``territory_commune.search_name``
# (a stored generated column, models.py): lower case, no accents, every run of
# non-alphanumerics (hyphen, apostrophe, space) as one space.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}

# Both conditions are on search_name's trigram index: ``LIKE`` directly; the typo match
# through ``<%`` (the session's word_similarity_threshold, 0.5, postgis/base.py: a
# superset) rechecked at this query's own 0.6.
_AUTOCOMPLETE_NAME_SQL = """
WITH q AS (SELECT regexp_replace(immutable_unaccent(lower(%(q)s)), '[^a-z0-9]+', ' ', 'g') AS t)
SELECT code, name, postcodes, departement_id, population, ST_X(centre), ST_Y(centre), 'name', rank
  FROM (
    SELECT c.*, CASE WHEN n = q.t THEN 0
                     WHEN n LIKE q.t || '%%' THEN 1
                     WHEN n LIKE '%% ' || q.t || '%%' THEN 2
                     ELSE 3 END AS rank,
           word_similarity(q.t, n) AS sim
      FROM (SELECT *, search_name AS n FROM territory_commune) AS c, q
     WHERE n LIKE '%%' || q.t || '%%'
        OR (length(q.t) >= 4 AND q.t <%% n AND word_similarity(q.t, n) >= 0.6)
  ) AS matches
 ORDER BY rank, CASE WHEN rank = 3 THEN -sim END, population DESC NULLS LAST, name
 LIMIT %(limit)s
"""

# Postcodes and INSEE codes collide (13100 is Saint-Rémy's INSEE code and Aix's
# postcode): exact matches of either rank first, bigger communes first.
_AUTOCOMPLETE_CODE_SQL = """
SELECT code, name, postcodes, departement_id, population, ST_X(centre), ST_Y(centre),
       CASE WHEN %(q)s = ANY(postcodes) THEN 'postcode'
            WHEN code = %(q)s THEN 'insee'
            WHEN EXISTS (SELECT 1 FROM unnest(postcodes) p WHERE p LIKE %(q)s || '%%')
                 THEN 'postcode'
            ELSE 'insee' END,
       CASE WHEN %(q)s = ANY(postcodes) OR code = %(q)s THEN 0 ELSE 1 END AS rank
  FROM territory_commune
 WHERE code LIKE %(q)s || '%%'
    OR EXISTS (SELECT 1 FROM unnest(postcodes) p WHERE p LIKE %(q)s || '%%')
 ORDER BY rank, population DESC NULLS LAST, name
 LIMIT %(limit)s
"""


def normalise_place_query(text: str) -> str:
    """Lower case, separators as spaces, ``st``/``ste`` spelt out (accents: in SQL)."""
    tokens = re.split(r"[\s\-'’.,/]+", text.strip().lower())
    return " ".join(_ABBREVIATIONS.get(token, token) for token in tokens if token)


def autocomplete(text: str, limit: int = 10) -> list[dict]:
    """Communes matching a name or postcode/INSEE prefix, best first.

    Names are compared without accents, case, hyphens or apostrophes, with ``st``/``ste``
    for ``saint``/``sainte``: exact name, then name prefix, then word prefix, then
    trigram similarity (typos); ties go to the most populated commune.
    """
    text = text.strip()
    if re.fullmatch(r"\d{2,5}|2[ab]\d{0,3}", text.lower()):
        sql, query = _AUTOCOMPLETE_CODE_SQL, text.upper()
    else:
        sql, query = _AUTOCOMPLETE_NAME_SQL, normalise_place_query(text)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"q": query, "limit": limit})
        rows = cursor.fetchall()
    return [
        {
            "code": code,
            "name": name,
            "postcodes": postcodes,
            "departement": departement,
            "population": population,
            "centre": [round(lon, 6), round(lat, 6)] if lon is not None else None,
            "match": match,
        }
        for code, name, postcodes, departement, population, lon, lat, match, _rank in rows
    ]
