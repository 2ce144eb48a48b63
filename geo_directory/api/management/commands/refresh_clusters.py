from django.core.management.base import BaseCommand

from geo_directory.api.clusters import refresh


class Command(BaseCommand):
    help = "Recompute the pre-aggregated cluster cells (after an import; nightly)."

    def handle(self, *args, **options):
        seconds = refresh()
        self.stdout.write(f"cluster cells refreshed in {seconds:.1f} s")
