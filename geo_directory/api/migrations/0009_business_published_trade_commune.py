"""A trade's published listings, in a commune or not, counted and paged from one index.

``q=`` with a trade (« boulangerie paul marseille », api/queries.py ``search``) lists the
names first, then the trade's other listings by id, and counts those with the capped
count (``api_capped_count``, 0004): up to 1,000 of them. Through ``(status, category)``
that count visits the heap of every listing of the trade to test the commune and
``merged_into_id`` (5,180 bakeries read for Marseille's 900 at 100,000 listings, 5 ms).
This partial index holds exactly the published, not merged listings, by trade, commune
and id: the count is an index-only scan of the (trade, commune) range (10 buffers), and a
trade's listings in a commune come in id order.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0008_name_search_slips")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS business_published_trade_commune"
            " ON businesses_business (category_id, commune_id, id)"
            " WHERE status = 'published' AND merged_into_id IS NULL",
            "DROP INDEX IF EXISTS business_published_trade_commune",
        ),
    ]
