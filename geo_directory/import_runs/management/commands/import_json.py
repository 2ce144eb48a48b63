from importers.json_list import import_json

from ._base import MappedImportCommand


class Command(MappedImportCommand):
    help = "Import a partner JSON list of objects with a mapping file (as import_csv)."

    def run(self, path, **options):
        return import_json(path, **options)
