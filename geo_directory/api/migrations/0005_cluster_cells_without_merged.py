"""The pre-aggregated cluster cells count the listings the map shows, and no others.

A record linked to another source's listing of the same shop (``merged_into``, set by
``importers.pipeline.link_duplicates``) is hidden by ``Business.objects.published()``, so
the live clusters and the listing counts leave it out; ``api_cluster_cell`` counted it, so
a zoomed-out map of a big directory counted those shops twice.
"""

from importlib import import_module

from django.db import migrations

BEFORE = import_module("geo_directory.api.migrations.0001_cluster_cells").CREATE
PUBLISHED = "WHERE b.status = 'published' AND b.location_l93 IS NOT NULL"
AFTER = BEFORE.replace(PUBLISHED, f"{PUBLISHED} AND b.merged_into_id IS NULL")
DROP = "DROP MATERIALIZED VIEW IF EXISTS api_cluster_cell;"


class Migration(migrations.Migration):
    dependencies = [("api", "0004_capped_count")]

    operations = [migrations.RunSQL(DROP + AFTER, DROP + BEFORE)]
