from pathlib import Path

from importers.geojson import import_geojson
from importers.mapping import load_mapping

from ._base import ImportCommand


class Command(ImportCommand):
    help = (
        "Import GeoJSON listings (create or update by source id): OpenStreetMap-tagged, "
        "or with --mapping the partner's own property names (the format of import_csv)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--mapping", type=Path, help="YAML or JSON mapping of the partner's properties"
        )

    def format_options(self, options):
        if options.get("mapping") is None:
            return {}
        return {"mapping": load_mapping(options["mapping"])}

    def run(self, path, **options):
        return import_geojson(path, **options)
