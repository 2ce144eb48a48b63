"""Nightly: roll the exact opening windows (``hours_windows``) forward.

"Open now" in SQL reads the exact windows of the next weeks where an expression has
exceptions (24 December, public holidays, seasons), else the regular week (see
``businesses.hours``). The windows cover ``hours.WINDOW_DAYS`` days from the Monday they
were computed on, so they are recomputed every night. Hours strings repeat a lot (chains,
defaults), so each distinct expression is computed once and written with one UPDATE.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from geo_directory.businesses import hours
from geo_directory.businesses.models import Business


class Command(BaseCommand):
    help = "Recompute the pre-computed opening hours of every listing (run nightly)."

    def handle(self, *args, **options):
        expressions = (
            Business.objects.exclude(opening_hours="")
            .values_list("opening_hours", flat=True)
            .distinct()
        )
        updated = invalid = 0
        with transaction.atomic():
            for expression in expressions.iterator():
                try:
                    computed = hours.compute(expression)
                except hours.InvalidHours as exc:
                    invalid += 1
                    self.stderr.write(str(exc))
                    continue
                updated += Business.objects.filter(opening_hours=expression).update(
                    hours_week=computed.week,
                    hours_windows=computed.windows,
                    hours_windows_until=computed.windows_until,
                )
        self.stdout.write(
            f"{updated} listings refreshed, "
            f"{invalid} unreadable hours expression(s) left as they were"
        )
