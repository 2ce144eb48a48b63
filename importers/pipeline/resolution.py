"""Stage 2, in SQL: communes of the points not located in memory, swapped coordinates,
points outside the region, addresses contradicting their coordinates, hidden addresses
moved to the commune's centre, duplicate identifiers and SIRETs."""

from __future__ import annotations

from geo_directory.territory.managers import commune_of_point_sql
from geo_directory.territory.region import DOMAIN, EXTENT, WORLD

from .. import reasons
from .record import OUT_OF_RANGE
from .sql import OK as _OK
from .sql import POINT as _POINT

SUBDIVIDE_FROM = 5_000  # points from which SQL tests them against subdivided boundaries


class Resolution:
    """The resolution stage of ``Pipeline``."""

    def resolve(self, cursor) -> None:
        """Communes, region, swapped coordinates, contradictions, duplicates (all SQL)."""
        if self.to_locate:  # else every point is inside a commune: none is far or swapped
            self.locate_the_rest(cursor)
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = format("
            "%(reason)s, s.postcode, s.commune_id, left(s.commune_id, 2)) FROM territory_commune c"
            " WHERE s.lon IS NOT NULL AND NOT s.hard AND NOT s.outside AND s.postcode <> ''"
            " AND c.code = s.commune_id AND left(s.postcode, 2) <> left(s.commune_id, 2)"
            # Some communes of the 04 have a 05 postcode (04066 → 05110): not a contradiction.
            " AND s.postcode <> ALL(c.postcodes)",
            {"field": self.names.postcode, "reason": reasons.POSTCODE_CONTRADICTS},
        )
        # "Hide the address beyond the commune": no street, no postcode, the commune's centre.
        if self.hidden_rows:
            self.execute(
                cursor,
                "UPDATE import_staging AS s SET street = '', postcode = '',"
                " lon = ST_X(c.centre), lat = ST_Y(c.centre), geocode_precision = 'municipality',"
                " geocode_score = NULL FROM territory_commune c"
                f" WHERE s.hide_address AND {_OK} AND c.code = s.commune_id"
                " AND c.centre IS NOT NULL",
            )
        self.reject_duplicates(cursor)

    def locate_the_rest(self, cursor) -> None:
        """Points not located in memory, by ``commune_of_point_sql``'s rules (a point in a
        neighbouring territory is outside; the coast tolerance grows only for an address
        whose postcode is the nearest commune's), else swapped coordinates, or outside the
        region (rejected if the address says inside)."""
        names = self.names
        # A position beyond WGS84's range (1e300, a latitude of 95) is no position: rejected
        # in check_lonlat's words before any geometry is made of it (staging kept it from
        # shapely).
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = %(reason)s,"
            " hard = true, lon = NULL, lat = NULL WHERE s.lon IS NOT NULL"
            f" AND NOT (s.lon BETWEEN {WORLD[0]} AND {WORLD[2]}"
            f" AND s.lat BETWEEN {WORLD[1]} AND {WORLD[3]})",
            {"field": names.location, "reason": OUT_OF_RANGE},
        )
        communes, neighbours = "territory_commune", "territory_neighbour"
        if self.to_locate >= SUBDIVIDE_FROM:
            for source, copy in ((communes, "import_communes"), (neighbours, "import_neighbours")):
                cursor.execute(f"DROP TABLE IF EXISTS {copy}")
                cursor.execute(
                    f"CREATE TEMP TABLE {copy} ON COMMIT DROP AS SELECT code,"
                    f" ST_Subdivide(boundary, 48) AS boundary FROM {source}"
                    " WHERE boundary IS NOT NULL"
                )
                cursor.execute(f"CREATE INDEX ON {copy} USING gist (boundary)")
                cursor.execute(f"ANALYZE {copy}")
            communes, neighbours = "import_communes", "import_neighbours"
        here = commune_of_point_sql(_POINT, communes, "s.postcode", neighbours)
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET (commune_id, distance_m) ="
            f" (SELECT code, distance_m FROM ({here}) AS r)"
            " WHERE s.lon IS NOT NULL AND s.distance_m IS NULL",
        )
        far = "s.commune_id IS NULL"  # in a neighbouring territory, or too far off the coast
        # Swapped only when the point is no position near France at all (beyond DOMAIN: a
        # latitude of 43 read as a longitude) and the swapped one is in the region's
        # extent and resolves to a commune. A point in DOMAIN is taken as it is: never a
        # distance measured on an out-of-range point (issue #18: POINT(48.99 2.25) was "at
        # distance 0" of Castellar in geography).
        swapped_point = "ST_SetSRID(ST_MakePoint(s.lat, s.lon), 4326)"
        swapped = (
            f"SELECT 1 FROM ({commune_of_point_sql(swapped_point, postcode='s.postcode')})"
            " AS w WHERE w.code IS NOT NULL"
        )
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET reject_field = %(field)s, hard = true,"
            f" reject_reason = %(reason)s"
            f" WHERE s.lon IS NOT NULL AND {far}"
            f" AND NOT ({_in_box('s.lon', 's.lat', DOMAIN)})"
            f" AND {_in_box('s.lat', 's.lon', EXTENT)} AND EXISTS ({swapped})",
            {"field": names.location, "reason": reasons.SWAPPED},
        )
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET reject_field = %(field)s, hard = true,"
            " reject_reason = (SELECT CASE WHEN nb.name IS NOT NULL"
            " THEN format(%(neighbour)s, nb.name, COALESCE(NULLIF(s.postcode, ''), %(region)s))"
            " WHEN s.distance_m IS NULL"
            " THEN format(%(outside)s, COALESCE(NULLIF(s.postcode, ''), %(region)s))"
            # A decimal comma: « 12,3 km ».
            " ELSE format(%(outside_by)s, replace(to_char(s.distance_m / 1000, 'FM999990.0'),"
            " '.', ','), COALESCE(NULLIF(s.postcode, ''), %(region)s)) END"
            " FROM (SELECT (SELECT n.name FROM territory_neighbour AS n"
            f"               WHERE ST_Intersects(n.boundary, {_POINT}) LIMIT 1) AS name) AS nb)"
            f" WHERE s.lon IS NOT NULL AND NOT s.hard AND {far} AND s.address_in_region",
            {
                "field": names.location,
                "neighbour": reasons.IN_NEIGHBOUR,
                "outside": reasons.OUTSIDE,
                "outside_by": reasons.OUTSIDE_BY,
                "region": reasons.ADDRESS_IN_REGION,
            },
        )
        # In nowhere: counted, not reported (a national file is mostly outside the region).
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET outside = true, reject_field = NULL,"
            f" reject_reason = NULL WHERE s.lon IS NOT NULL AND NOT s.hard AND {far}",
        )

    def reject_duplicates(self, cursor) -> None:
        names = self.names
        if not self.ids_unique:
            self.execute(
                cursor,
                "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = format("
                "%(reason)s, s.external_id, d.first_line)"
                " FROM (SELECT external_id, min(line) AS first_line"
                f"        FROM import_staging s WHERE {_OK} GROUP BY external_id"
                "        HAVING count(*) > 1) AS d"
                f" WHERE s.external_id = d.external_id AND d.first_line < s.line AND {_OK}",
                {"field": names.id, "reason": reasons.DUPLICATE_ID},
            )
        if not self.siret_not_id:
            return  # every SIRET is its row's identifier: the duplicates are rejected above
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = format("
            "%(reason)s, s.siret, d.first_line)"
            " FROM (SELECT siret, min(line) AS first_line"
            f"        FROM import_staging s WHERE {_OK} AND s.siret <> '' GROUP BY siret"
            "        HAVING count(*) > 1) AS d"
            f" WHERE s.siret = d.siret AND d.first_line < s.line AND {_OK}",
            {"field": names.siret, "reason": reasons.DUPLICATE_SIRET},
        )


def _in_box(lon: str, lat: str, box: tuple[float, float, float, float]) -> str:
    return f"({lon} BETWEEN {box[0]} AND {box[2]} AND {lat} BETWEEN {box[1]} AND {box[3]})"
