from pathlib import Path

from importers.json_list import import_json
from importers.mapping import load_mapping

from ._base import ImportCommand


class Command(ImportCommand):
    help = "Import a partner JSON list of objects with a mapping file (as import_csv)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--mapping", type=Path, required=True, help="YAML or JSON mapping")

    def format_options(self, options):
        return {"mapping": load_mapping(options["mapping"])}

    def run(self, path, **options):
        return import_json(path, **options)
