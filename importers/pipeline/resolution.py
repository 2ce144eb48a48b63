"""Stage 2, in SQL: communes of the points not located in memory, swapped coordinates,
points outside the region, addresses contradicting their coordinates, hidden addresses
moved to the commune's centre, duplicate identifiers and SIRETs."""

from __future__ import annotations

from geo_directory.territory.managers import COAST_TOLERANCE_M, commune_of_point_sql
from geo_directory.territory.region import WORLD

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
            "'address %%s contradicts the coordinates (commune %%s, département %%s)',"
            " s.postcode, s.commune_id, left(s.commune_id, 2)) FROM territory_commune c"
            " WHERE s.lon IS NOT NULL AND NOT s.hard AND NOT s.outside AND s.postcode <> ''"
            " AND c.code = s.commune_id AND left(s.postcode, 2) <> left(s.commune_id, 2)"
            # Some communes of the 04 have a 05 postcode (04066 → 05110): not a contradiction.
            " AND s.postcode <> ALL(c.postcodes)",
            {"field": self.names.postcode},
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
        """Points not located in memory: nearest commune within the coast tolerance, else
        swapped coordinates, or outside the region (rejected if the address says inside)."""
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
        communes = "territory_commune"
        if self.to_locate >= SUBDIVIDE_FROM:
            cursor.execute("DROP TABLE IF EXISTS import_communes")
            cursor.execute(
                "CREATE TEMP TABLE import_communes ON COMMIT DROP AS SELECT code,"
                " ST_Subdivide(boundary, 48) AS boundary FROM territory_commune"
                " WHERE boundary IS NOT NULL"
            )
            cursor.execute("CREATE INDEX ON import_communes USING gist (boundary)")
            cursor.execute("ANALYZE import_communes")
            communes = "import_communes"
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET (commune_id, distance_m) ="
            f" ({commune_of_point_sql(_POINT, communes)})"
            " WHERE s.lon IS NOT NULL AND s.distance_m IS NULL",
        )
        far = f"(s.commune_id IS NULL OR s.distance_m > {COAST_TOLERANCE_M})"
        swapped_point = "ST_SetSRID(ST_MakePoint(s.lat, s.lon), 4326)"
        swapped = (
            f"SELECT 1 FROM ({commune_of_point_sql(swapped_point)})"
            f" AS w WHERE w.code IS NOT NULL AND w.distance_m <= {COAST_TOLERANCE_M}"
        )
        # Only a swapped point within the communes' extent (plus 0.01°, more than the
        # coast tolerance) can be one: the others are not looked up one by one (the
        # geography distance to the five nearest boundaries of each point far from the
        # region cost minutes for a file of points elsewhere in France, issue #18).
        near_region = (
            f"{swapped_point} && (SELECT ST_Expand(ST_SetSRID(ST_Extent(boundary)::geometry,"
            " 4326), 0.01) FROM territory_commune)"
        )
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET reject_field = %(field)s, hard = true,"
            f" reject_reason = 'latitude and longitude swapped'"
            f" WHERE s.lon IS NOT NULL AND {far} AND {near_region} AND EXISTS ({swapped})",
            {"field": names.location},
        )
        self.execute(
            cursor,
            f"UPDATE import_staging AS s SET reject_field = %(field)s, hard = true,"
            f" reject_reason = format('coordinates %%s km outside the region while the address"
            f" says %%s', to_char(s.distance_m / 1000, 'FM999990.0'),"
            f" COALESCE(NULLIF(s.postcode, ''), 'it is in the region'))"
            f" WHERE s.lon IS NOT NULL AND NOT s.hard AND {far} AND s.address_in_region",
            {"field": names.location},
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
                "'duplicate identifier %%s (first at #%%s)', s.external_id, d.first_line)"
                " FROM (SELECT external_id, min(line) AS first_line"
                f"        FROM import_staging s WHERE {_OK} GROUP BY external_id"
                "        HAVING count(*) > 1) AS d"
                f" WHERE s.external_id = d.external_id AND d.first_line < s.line AND {_OK}",
                {"field": names.id},
            )
        if not self.siret_not_id:
            return  # every SIRET is its row's identifier: the duplicates are rejected above
        self.execute(
            cursor,
            "UPDATE import_staging AS s SET reject_field = %(field)s, reject_reason = format("
            "'duplicate SIRET %%s (first at #%%s)', s.siret, d.first_line)"
            " FROM (SELECT siret, min(line) AS first_line"
            f"        FROM import_staging s WHERE {_OK} AND s.siret <> '' GROUP BY siret"
            "        HAVING count(*) > 1) AS d"
            f" WHERE s.siret = d.siret AND d.first_line < s.line AND {_OK}",
            {"field": names.siret},
        )
