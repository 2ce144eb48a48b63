"""Every category's listings of a row of grid cells, summed along the row: the chips'
exact counts read a rectangle of cells in two index probes per row.

The chips' counts of a big view count its few-listing trades exactly
(``category_counts.inner_and_edge``): the cells wholly inside the view summed, the
listings of the edge around them read row by row. With the per-category cells
(``api_cluster_cell``) the inner grid had to stay coarse (2 km for an 18 km view: finer,
too many (cell, category) rows), so the edge read row by row was some 40 % of the view
(29 % of the API's PostgreSQL time under the load test). ``api_count_row`` holds, on grids
of 100 and 500 m (``level``; ``category_counts.ROW_LEVELS``), for each non-empty cell
(cx, cy) every category's listings in the cells of row cy up to cx (``cum[category_id]``,
NULL: none): the cells cx0..cx1 of a row sum to the last row at or before cx1 minus the
last before cx0. The array is indexed by the category's id (34 trades, ids 1-34; a new
trade lengthens it).

The same listings as ``api_cluster_cell`` (published, not merged, placed, with a trade),
the same cells (``floor(x / level)``); its 500 m cells are read from it. Refreshed just
after it, in the same transaction (``clusters.refresh``): one pass over the listings for
the 100 m cells, then a running aggregate along each row (docs/search.md: its time and
size at a million listings). A 250 m grid as well: 40 MB more and 10 s more per refresh
at a million listings for no clear gain (docs/search.md). A migration that drops
``api_cluster_cell`` must drop this view first.
"""

from django.db import migrations

# The running sum is a window ordered by cx with the default frame (RANGE ... CURRENT ROW):
# the rows of one cell (one per category) are peers and all get the sum through that
# cell, so DISTINCT ON may keep any of them.
CREATE = """
CREATE FUNCTION api_count_add(state int[], category int, n int) RETURNS int[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  state[category] := coalesce(state[category], 0) + n;
  RETURN state;
END $$;
CREATE AGGREGATE api_count_cum(int, int) (
  SFUNC = api_count_add, STYPE = int[], INITCOND = '{}'
);
CREATE MATERIALIZED VIEW api_count_row AS
SELECT DISTINCT ON (level, cy, cx) level, cy, cx, cum FROM (
  SELECT level, cy, cx,
         api_count_cum(category, n) OVER (PARTITION BY level, cy ORDER BY cx) AS cum
    FROM (
      SELECT 100 AS level,
             floor(ST_X(b.location_l93) / 100)::int AS cx,
             floor(ST_Y(b.location_l93) / 100)::int AS cy,
             b.category_id::int AS category,
             count(*)::int AS n
        FROM businesses_business AS b
       WHERE b.status = 'published' AND b.location_l93 IS NOT NULL
         AND b.merged_into_id IS NULL AND b.category_id IS NOT NULL
       GROUP BY 1, 2, 3, 4
       UNION ALL
      SELECT level, cx, cy, category_id::int, n FROM api_cluster_cell
       WHERE level = 500 AND category_id IS NOT NULL
    ) AS cells
) AS running ORDER BY level, cy, cx;
CREATE UNIQUE INDEX api_count_row_key ON api_count_row (level, cy, cx);
ANALYZE api_count_row;
"""
DROP = """
DROP MATERIALIZED VIEW IF EXISTS api_count_row;
DROP AGGREGATE IF EXISTS api_count_cum(int, int);
DROP FUNCTION IF EXISTS api_count_add(int[], int, int);
"""


class Migration(migrations.Migration):
    dependencies = [("api", "0013_search_trade_id")]

    operations = [migrations.RunSQL(CREATE, DROP)]
