"""Spatial lookups on communes: every point of the product is resolved here."""

import re

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.db import connection

from .region import DOMAIN, EXTENT, grown

# The boundaries are simplified along the coast: a quay or a beach restaurant can fall
# just outside every polygon. Within this distance it belongs to the nearest commune, if it
# is in no neighbouring territory (land borders are not coast: ``neighbours.py``).
COAST_TOLERANCE_M = 250
# Islands and quays further off the simplified coast (the Frioul, Port-Cros' landing stage):
# the tolerance grows to this when the address's postcode is one of the nearest commune's.
# A postcode that disagrees never extends it.
POSTCODE_TOLERANCE_M = 1000

# Only a point in this box can be near a commune (the region's extent grown by about 5 km,
# far more than POSTCODE_TOLERANCE_M): outside it, no distance decides anything.
NEAR_REGION = grown(EXTENT, 0.05)


def _envelope(box: tuple[float, float, float, float]) -> str:
    return f"ST_MakeEnvelope({box[0]}, {box[1]}, {box[2]}, {box[3]}, 4326)"


class OutsideRegion(ValueError):
    """The point is in no commune of the region: in a neighbouring territory, or beyond the
    tolerance off the coast."""

    def __init__(self, point: Point, distance_m: float | None, neighbour: str | None = None):
        self.point = point
        self.distance_m = distance_m
        self.neighbour = neighbour
        where = f"({point.x:.5f}, {point.y:.5f})"
        if neighbour is not None:
            msg = (
                f"Le point {where} est hors de la Région Sud : "
                f"dans un territoire voisin ({neighbour})."
            )
        elif distance_m is None:
            msg = f"Le point {where} est hors de la Région Sud."
        else:
            msg = (
                f"Le point {where} est hors de la Région Sud : "
                f"à {distance_m / 1000:.1f} km de la commune la plus proche "
                f"(tolérance {COAST_TOLERANCE_M} m)."
            )
        super().__init__(msg)


def commune_of_point_sql(
    point: str,
    table: str = "territory_commune",
    postcode: str = "NULL",
    neighbours: str = "territory_neighbour",
) -> str:
    """A row subquery yielding ``(code, distance_m, neighbour)``: the commune of ``point``.

    The one definition of point → commune, shared by ``locate()`` and the bulk importers:

    1. inside a commune's boundary: that commune, distance 0;
    2. else inside a neighbouring territory (``neighbours``: the French départements, Monaco
       and Italy on the land border): no commune (``code`` NULL), ``neighbour`` its code;
    3. else (the sea, a gap between simplified boundaries): the nearest commune when within
       COAST_TOLERANCE_M, or within POSTCODE_TOLERANCE_M when ``postcode`` (an SQL text
       expression) is one of that commune's postcodes; ``distance_m`` is the distance to
       the nearest commune, given even when too far (for messages).

    ``point`` is an SQL expression of an SRID 4326 point (a column, or
    ``ST_SetSRID(ST_MakePoint(lon, lat), 4326)``). Each step is served by a GiST index: step
    1 by ST_Intersects, step 2 likewise, step 3 by the KNN operator for the five nearest
    polygons, whose exact distance in metres (geography) is computed for those few only,
    and only for a point in DOMAIN: a geography distance on a point far outside it is
    meaningless (PostGIS once put POINT(48.99 2.25), off Somalia, at distance 0 of
    Castellar), and no point outside NEAR_REGION is ever given a commune. For millions of
    points the importers pass ``table`` and ``neighbours``: temporary copies of the
    boundaries cut by ST_Subdivide (columns ``code``, ``boundary``), same answers, much
    cheaper tests.
    """
    return f"""
      SELECT COALESCE(inside.code, CASE
                 WHEN NOT ({point}) @ {_envelope(NEAR_REGION)} THEN NULL
                 WHEN nearest.distance_m <= {COAST_TOLERANCE_M} THEN nearest.code
                 WHEN nearest.distance_m <= {POSTCODE_TOLERANCE_M} AND EXISTS (
                      SELECT 1 FROM territory_commune AS pc
                       WHERE pc.code = nearest.code AND ({postcode}) = ANY(pc.postcodes))
                      THEN nearest.code END) AS code,
             COALESCE(inside.distance_m, nearest.distance_m) AS distance_m,
             beyond.code AS neighbour
        FROM (SELECT 1) AS one
        LEFT JOIN LATERAL (
            SELECT code, 0.0::float8 AS distance_m
              FROM {table} WHERE ST_Intersects(boundary, {point}) LIMIT 1
        ) AS inside ON true
        LEFT JOIN LATERAL (
            SELECT code FROM {neighbours}
             WHERE inside.code IS NULL AND ST_Intersects(boundary, {point}) LIMIT 1
        ) AS beyond ON true
        LEFT JOIN LATERAL (
            SELECT code, ST_Distance(boundary::geography, ({point})::geography) AS distance_m
              FROM (SELECT code, boundary FROM {table}
                     WHERE boundary IS NOT NULL ORDER BY boundary <-> {point} LIMIT 5) AS n
             WHERE inside.code IS NULL AND beyond.code IS NULL
               AND ({point}) @ {_envelope(DOMAIN)}
             ORDER BY 2 LIMIT 1
        ) AS nearest ON true"""


# One statement for any number of points.
_RESOLVE_SQL = f"""
SELECT p.i, r.code, r.distance_m, nb.name
  FROM unnest(%(lons)s::float8[], %(lats)s::float8[], %(postcodes)s::text[])
       WITH ORDINALITY AS p(lon, lat, postcode, i)
  CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS g) AS pt
  CROSS JOIN LATERAL ({commune_of_point_sql("pt.g", postcode="p.postcode")}) AS r
  LEFT JOIN territory_neighbour AS nb ON nb.code = r.neighbour
 ORDER BY p.i
"""


class CommuneQuerySet(models.QuerySet):
    def containing(self, point: Point):
        """Communes whose boundary contains ``point`` (0 or 1 row)."""
        return self.filter(boundary__intersects=point)

    def resolve_code(self, point: Point, postcode: str | None = None) -> str:
        """The INSEE code of the commune of ``point``, or raise OutsideRegion.

        The rules of ``commune_of_point_sql``: inside a boundary; else, unless in a
        neighbouring territory, the nearest commune within COAST_TOLERANCE_M (or
        POSTCODE_TOLERANCE_M when ``postcode``, the address's, is one of its postcodes).
        """
        if point.srid not in (None, 4326):
            point = point.transform(4326, clone=True)
        code, distance_m, neighbour = self.located([(point.x, point.y)], [postcode])[0]
        if code is None:
            raise OutsideRegion(point, distance_m, neighbour)
        return code

    def locate(
        self, lonlats: list[tuple[float, float]], postcodes: list[str | None] | None = None
    ) -> list[tuple[str | None, float | None]]:
        """For each (lon, lat): its commune's code (None when outside the region) and the
        distance in metres to the nearest commune (0 inside, None when not measured).

        ``postcodes``: the address's postcode of each point, or None. One query for the
        whole batch.
        """
        return [(code, distance) for code, distance, _ in self.located(lonlats, postcodes)]

    def located(
        self, lonlats: list[tuple[float, float]], postcodes: list[str | None] | None = None
    ) -> list[tuple[str | None, float | None, str | None]]:
        """``locate`` with, third, the name of the neighbouring territory a point is in."""
        if not lonlats:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                _RESOLVE_SQL,
                {
                    "lons": [lon for lon, _ in lonlats],
                    "lats": [lat for _, lat in lonlats],
                    "postcodes": list(postcodes) if postcodes else [None] * len(lonlats),
                },
            )
            return [tuple(row[1:]) for row in cursor.fetchall()]

    def resolve(self, point: Point, postcode: str | None = None):
        return self.get(code=self.resolve_code(point, postcode))

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
