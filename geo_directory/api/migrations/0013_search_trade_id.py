"""A trade's published listings in id order, from one index.

``q=`` with a trade alone (« boulagerie », api/queries.py ``search``) lists the trade's
listings having the trade's word in their name, then its others, then the other names,
each tier by id (``Query.tiered``), only the page's share. ``business_published_trade_commune``
(0009) orders them by commune first; through it or ``(status, category)`` PostgreSQL built
the bitmap of every bakery and of every name « boulangerie » to keep the 51 first by id
(15-20 ms at 1M listings). This partial index gives them in id order: the page's tier walks
the trade's first listings (« boulagerie », 1M: 0.25 ms, 10 buffers), the tail of a name
search (« boulangerie Paul ») and the trade's page past the names are index-only scans.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0012_counts_cell_sums")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS business_published_trade_id"
            " ON businesses_business (category_id, id)"
            " WHERE status = 'published' AND merged_into_id IS NULL",
            "DROP INDEX IF EXISTS business_published_trade_id",
        ),
    ]
