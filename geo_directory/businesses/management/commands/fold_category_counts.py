"""Fold the category counts' log into one row per category (nightly cron, docs/operations.md).

The home page only reads the log (``businesses/counts.py``); this keeps it short between
imports, which fold it themselves. Safe at any time and on a live site: it takes the
log's advisory lock, and waits for none (a busy log is left for the next run).
"""

from django.core.management.base import BaseCommand

from geo_directory.businesses import counts


class Command(BaseCommand):
    help = "Fold the category counts' log into one row per category (nightly)."

    def handle(self, *args, **options):
        before = counts.log_rows()
        if not counts.compact():
            self.stdout.write("category counts: log busy (an import?), left for the next run")
            return
        self.stdout.write(f"category counts: log folded, {before:,} → {counts.log_rows():,} rows")
