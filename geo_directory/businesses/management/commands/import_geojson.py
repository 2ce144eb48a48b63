from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from importers.errors import SourceError
from importers.geojson import import_geojson


class Command(BaseCommand):
    help = "Import OpenStreetMap-tagged GeoJSON listings (create or update by source id)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)

    def handle(self, *args, paths, **options):
        failed = []
        for path in paths:
            try:
                report = import_geojson(path)
            except SourceError as exc:
                failed.append(str(exc))
                self.stderr.write(f"nothing imported from {path}: {exc}")
                continue
            self.stdout.write(report.summary())
        if failed:
            raise CommandError(f"{len(failed)} file(s) could not be read")
