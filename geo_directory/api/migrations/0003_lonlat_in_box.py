"""``lonlat_in_box(point, min_lon, min_lat, max_lon, max_lat)``: the map screen's exact test.

The screen query (``in_bbox`` alone, centre first) walks the GiST index of
``location_l93`` outwards from the centre inside the screen's Lambert-93 envelope and
keeps the points inside the lon/lat box. Written as ``location && box``, that test lets
the planner multiply the selectivities of two boxes that are nearly the same one: it
expects 1 row instead of ~900 in a city centre, reads them all through a bitmap of both
GiST indexes and sorts them (5–9 ms at a million listings instead of ~1 ms). In PL/pgSQL
the function is never inlined: the planner keeps one box's estimate and the KNN scan.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION lonlat_in_box(p geometry, min_lon float8, min_lat float8, max_lon float8,
                              max_lat float8) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN ST_X(p) BETWEEN min_lon AND max_lon AND ST_Y(p) BETWEEN min_lat AND max_lat;
END $$;
"""
BACKWARD = "DROP FUNCTION IF EXISTS lonlat_in_box(geometry, float8, float8, float8, float8);"


class Migration(migrations.Migration):
    dependencies = [("api", "0002_business_commune_order")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
