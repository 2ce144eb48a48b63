"""Pre-aggregated cluster cells for zoomed-out maps of a large directory.

``api_cluster_cell`` counts the published listings per square cell of a Lambert-93 grid
at four levels (500 m, 2 km, 8 km, 32 km) and per category, with the sum of coordinates
(to place the cluster at the mean position) and the smallest id (the listing itself when
a cell holds one). See geo_directory/api/clusters.py for when it is used; it is refreshed
by ``manage.py refresh_clusters``.
"""

from django.db import migrations

CREATE = """
CREATE MATERIALIZED VIEW api_cluster_cell AS
SELECT l.size AS level,
       floor(ST_X(b.location_l93) / l.size)::int AS cx,
       floor(ST_Y(b.location_l93) / l.size)::int AS cy,
       b.category_id,
       count(*)::int AS n,
       sum(ST_X(b.location_l93)) AS sx,
       sum(ST_Y(b.location_l93)) AS sy,
       min(b.id) AS min_id
  FROM businesses_business AS b
 CROSS JOIN (VALUES (500), (2000), (8000), (32000)) AS l(size)
 WHERE b.status = 'published' AND b.location_l93 IS NOT NULL
 GROUP BY 1, 2, 3, 4;
CREATE UNIQUE INDEX api_cluster_cell_key ON api_cluster_cell (level, cx, cy, category_id);
"""


class Migration(migrations.Migration):
    dependencies = [("businesses", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE, "DROP MATERIALIZED VIEW IF EXISTS api_cluster_cell"),
    ]
