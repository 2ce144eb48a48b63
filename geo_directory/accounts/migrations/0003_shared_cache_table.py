"""The table of the shared cache (settings.CACHES, a DatabaseCache): rate-limit counters
seen by every gunicorn worker. ``createcachetable`` skips a table that already exists."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_moderators_group")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
