"""A commune's published listings by the words of their names, in one GIN index.

``q=`` naming a commune and a name (« boulangerie paul marseille », « Paul à Aix »:
api/queries.py ``search``) finds the listings of the commune whose name has the name
words. With the full-text index ``business_name_tsv`` alone, PostgreSQL intersects its
bitmap with the commune's (``business_published_commune_id``): at 1,000,000 synthetic
listings Marseille has 161,556, whose bitmap cost more than the 532 matches it kept
(108 ms of 142 under load). This partial index holds the commune and the name's words of
the published, not merged listings (``btree_gin`` lets a GIN index hold the commune): the
commune and the words are intersected inside one index, the commune's long posting list
skipped through by the words' short ones.
"""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("api", "0009_business_published_trade_commune")]

    operations = [
        BtreeGinExtension(),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS business_published_commune_name"
            " ON businesses_business USING gin (commune_id,"
            " to_tsvector('simple'::regconfig, immutable_unaccent(lower(name))))"
            " WHERE status = 'published' AND merged_into_id IS NULL",
            "DROP INDEX IF EXISTS business_published_commune_name",
        ),
    ]
