"""``business_delivery_zone_gist`` as the model declares it: partial, WHERE a zone is set.

Django's PostGIS schema editor dropped the condition (see ``geo_directory/postgis/schema``),
so the index held a NULL entry for every listing: 77 MB at a million listings, and one
GiST insert per listing created. Rebuilt through the fixed editor, it holds only the
listings that deliver.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models


def _index():
    return django.contrib.postgres.indexes.GistIndex(
        condition=models.Q(("delivery_zone__isnull", False)),
        fields=["delivery_zone"],
        name="business_delivery_zone_gist",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("businesses", "0005_leaner_bulk_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="business", name="business_delivery_zone_gist"),
        migrations.AddIndex(model_name="business", index=_index()),
    ]
