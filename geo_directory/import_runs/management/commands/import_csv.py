from pathlib import Path

from importers.csv_mapped import import_csv
from importers.mapping import load_mapping

from ._base import ImportCommand


class Command(ImportCommand):
    help = "Import a partner CSV with a column mapping file (YAML or JSON)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--mapping", type=Path, required=True, help="YAML or JSON mapping")

    def format_options(self, options):
        return {"mapping": load_mapping(options["mapping"])}

    def run(self, path, **options):
        return import_csv(path, **options)
