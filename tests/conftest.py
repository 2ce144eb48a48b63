"""Shared fixtures: the real territory and demo listings, loaded once per test session.

The test database is created by pytest-django in the project's own PostgreSQL cluster
(scripts/pgcluster.sh, started by `make test`); the territory and the real listings from
GEO_DATA_DIR are committed once at session start, and each test then runs in a
transaction rolled back at its end.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

DATA_DIR: Path = settings.GEO_DATA_DIR


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from importers.communes import import_territory
    from importers.geojson import import_geojson

    with django_db_blocker.unblock():
        import_territory(DATA_DIR)
        call_command("loaddata", "categories", verbosity=0)
        for path in sorted((DATA_DIR / "osm-chains").glob("*.geojson")):
            import_geojson(path)


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR
