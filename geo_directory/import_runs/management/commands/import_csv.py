from importers.csv_mapped import import_csv

from ._base import MappedImportCommand


class Command(MappedImportCommand):
    help = "Import a partner CSV with a column mapping file (YAML or JSON)."

    def run(self, path, **options):
        return import_csv(path, **options)
