"""Listings of a commune in a stable order, straight from an index.

``/communes/{insee}/businesses/`` and ``?commune=`` page through a commune's published
listings ordered by ``(commune_id, id)``. Without this index PostgreSQL either sorts the
whole commune (170,000 rows for Marseille at a million listings) or walks the primary
key hoping to meet the commune early, which fails when ids follow import order.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0001_cluster_cells")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS business_published_commune_id"
            " ON businesses_business (commune_id, id) WHERE status = 'published'",
            "DROP INDEX IF EXISTS business_published_commune_id",
        ),
    ]
