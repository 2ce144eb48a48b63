from importers.geojson import import_geojson

from ._base import ImportCommand


class Command(ImportCommand):
    help = "Import OpenStreetMap-tagged GeoJSON listings (create or update by source id)."

    def run(self, path, **options):
        return import_geojson(path, **options)
