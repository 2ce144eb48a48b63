"""The per-category cluster cells' key carries their count: sums read from the index.

The chips' counts of a big view sum, for its few-listing trades, the cells wholly inside
it (``category_counts.inner_and_edge``): at a million listings some 5,000 cells of a
40 km view, each a visit of the materialised view's heap after the index (13 ms). With
``n`` in the index, an index-only scan (the view is vacuumed after each refresh,
``clusters.refresh``). The same key columns, so the same uniqueness and the same ranges
for the clusters.
"""

from django.db import migrations

BEFORE = (
    "CREATE UNIQUE INDEX api_cluster_cell_key ON api_cluster_cell (level, category_id, cx, cy)"
)
AFTER = BEFORE + " INCLUDE (n)"
DROP = "DROP INDEX IF EXISTS api_cluster_cell_key;"


class Migration(migrations.Migration):
    dependencies = [("api", "0011_business_published_trade_location")]

    operations = [migrations.RunSQL(DROP + AFTER, DROP + BEFORE)]
