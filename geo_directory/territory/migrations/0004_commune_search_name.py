"""The communes' autocomplete reads a stored, trigram-indexed normalised name.

The autocomplete compared ``regexp_replace(immutable_unaccent(lower(name)), ...)``
computed for all 946 communes on every keystroke (1.96 ms). The same expression is now
a stored generated column (PostgreSQL computes it on every insert or update of ``name``:
nothing for the importer to fill) with a trigram GIN index for the query's
``LIKE '%text%'`` and word-similarity (``<%``) conditions.
"""

import django.contrib.postgres.indexes
import django.db.models.expressions
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("territory", "0003_neighbouring_territories")]

    operations = [
        migrations.AddField(
            model_name="commune",
            name="search_name",
            field=models.GeneratedField(
                db_persist=True,
                editable=False,
                expression=django.db.models.expressions.Func(
                    django.db.models.expressions.Func(
                        django.db.models.functions.text.Lower("name"),
                        function="immutable_unaccent",
                    ),
                    django.db.models.expressions.Value("[^a-z0-9]+"),
                    django.db.models.expressions.Value(" "),
                    django.db.models.expressions.Value("g"),
                    function="regexp_replace",
                    output_field=models.TextField(),
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="commune",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_name"], name="commune_search_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
    ]
