"""The same cluster cells without the category split, for a map without a filter.

``api_cluster_cell`` stores a cell once per category present in it: at a million listings,
507,534 rows for 83,039 cells of 500 m, and a zoom-11 view summed ~14,000 of them for a
few hundred clusters. ``api_cluster_cell_all`` holds one row per cell (the sum over its
categories), so an unfiltered view (40 % of the traffic) reads one index row per cell.

It is derived from ``api_cluster_cell`` rather than from the listings: its refresh (just
after that view's, same transaction: ``geo_directory/api/clusters.py``) reads a few
hundred thousand pre-aggregated rows instead of four passes over the listings. A
migration that drops ``api_cluster_cell`` must drop this one first.
"""

from django.db import migrations

CREATE = """
CREATE MATERIALIZED VIEW api_cluster_cell_all AS
SELECT level, cx, cy,
       sum(n)::int AS n,
       sum(sx) AS sx,
       sum(sy) AS sy,
       min(min_id) AS min_id
  FROM api_cluster_cell
 GROUP BY level, cx, cy;
CREATE UNIQUE INDEX api_cluster_cell_all_key ON api_cluster_cell_all (level, cx, cy);
ANALYZE api_cluster_cell_all;
"""


class Migration(migrations.Migration):
    dependencies = [("api", "0005_cluster_cells_without_merged")]

    operations = [
        migrations.RunSQL(CREATE, "DROP MATERIALIZED VIEW IF EXISTS api_cluster_cell_all"),
    ]
