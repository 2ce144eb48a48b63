from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from importers.communes import import_territory
from importers.errors import SourceError


class Command(BaseCommand):
    help = "Load (or refresh in place) the region, départements and communes of Région Sud."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=settings.GEO_DATA_DIR,
            help="folder with cog-*.json and paca-*.geojson (default: GEO_DATA_DIR)",
        )

    def handle(self, *args, data_dir, **options):
        try:
            report = import_territory(data_dir)
        except SourceError as exc:
            raise CommandError(f"rien n’est importé : {exc}") from exc
        self.stdout.write(report.summary())
