from importers.osm import import_osm

from ._base import ImportCommand


class Command(ImportCommand):
    help = "Import OpenStreetMap shops: Overpass JSON, GeoJSON export or .osm.pbf (osmium)."

    def run(self, path, **options):
        return import_osm(path, **options)
