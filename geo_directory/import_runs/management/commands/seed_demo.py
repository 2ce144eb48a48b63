"""Everything `make run` needs in the database: migrated, then data loaded once."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from geo_directory.businesses.models import Business
from geo_directory.territory.models import Commune, Neighbour
from importers.communes import import_territory
from importers.errors import SourceError
from importers.geojson import import_geojson
from importers.mapping import load_mapping
from importers.reasons import plural

# Real partner data that does not speak OSM, read through a mapping kept in the repository.
RESTAURANTS = "restaurants-bouches-du-rhone-2012.geojson"
RESTAURANTS_MAPPING = Path("fixtures") / "mappings" / "restaurants-bouches-du-rhone-2012.yaml"


class Command(BaseCommand):
    help = "Migrate, then load the territory, the taxonomy and the real demo listings if missing."

    def handle(self, *args, **options):
        data_dir = settings.GEO_DATA_DIR
        call_command("migrate", interactive=False, verbosity=0)
        try:
            # Neighbours too: a database loaded before they existed gets them (issue #18).
            if not Commune.objects.exists() or not Neighbour.objects.exists():
                self.stdout.write(import_territory(data_dir).summary())
            call_command("loaddata", "categories", verbosity=0)
            if not Business.objects.filter(source=Business.Source.GEOJSON).exists():
                for path in sorted((data_dir / "osm-chains").glob("*.geojson")):
                    report = import_geojson(path)
                    self.stdout.write(report.summary().splitlines()[0])
            # Loaded once: a second run finds them and adds nothing (the import itself
            # would only count them unchanged, but reads the file for it).
            mapping = load_mapping(Path(settings.BASE_DIR) / RESTAURANTS_MAPPING)
            restaurants = Business.objects.filter(
                source=Business.Source.GEOJSON,
                external_id__startswith=f"{mapping['id_prefix']}:",
            )
            if (data_dir / RESTAURANTS).is_file() and not restaurants.exists():
                report = import_geojson(data_dir / RESTAURANTS, mapping=mapping)
                self.stdout.write(report.summary(detail=0).splitlines()[0])
        except SourceError as exc:
            raise CommandError(f"données de démonstration non chargées : {exc}") from exc
        self.stdout.write(
            f"{plural(Commune.objects.count(), 'commune', 'communes')}, "
            f"{plural(Business.objects.published().count(), 'fiche publiée', 'fiches publiées')}"
        )
