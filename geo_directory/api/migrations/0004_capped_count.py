"""``api_capped_count(query, cap)``: a listing's count in one round trip.

The listing endpoints count their matches exactly up to a cap, and past it answer the
planner's estimate (``EXPLAIN``). Sent from Python that is two statements, hence two
round trips, whenever a query matches more than the cap (a category over the region, a
big commune). Here the count and, only if needed, the estimate run in the server: the
same statements on the same text, one round trip. ``query`` is a complete SELECT with
its values inlined (``connection.ops.compose_sql``), as client-side binding sends it.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION api_capped_count(query text, cap integer, OUT n bigint, OUT exact boolean)
LANGUAGE plpgsql AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s LIMIT %s) AS capped', query, cap + 1) INTO n;
    exact := n <= cap;
    IF NOT exact THEN
        EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
        n := greatest(floor((plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8)::bigint, cap + 1);
    END IF;
END $$;
"""
BACKWARD = "DROP FUNCTION IF EXISTS api_capped_count(text, integer);"


class Migration(migrations.Migration):
    dependencies = [("api", "0003_lonlat_in_box")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
