"""Shared fixtures: the real territory and demo listings, loaded once per test session.

The test database is created by pytest-django in the project's own PostgreSQL cluster
(scripts/pgcluster.sh, started by `make test`); the territory and the real listings from
GEO_DATA_DIR are committed once at session start, and each test then runs in a
transaction rolled back at its end.
"""

import sys
import time
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
    yield
    # Before pytest-django drops the test database (its teardown runs after this one): the
    # response cache's listener thread, started by any test with the cache on, holds a
    # connection of its own to it, and DROP DATABASE fails while a session is connected.
    from django.db import connection

    from geo_directory import caching

    caching.stop_listening()
    # Any other session left on it (a server thread's or a subprocess's connection that
    # outlived its test) would make the DROP fail the same way: ended here, and named on
    # stderr so that the test that leaked it can be found.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_name, state, left(query, 120), pg_terminate_backend(pid)"
            " FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for row in cursor.fetchall():
            print("session left on the test database, ended:", row[:3], file=sys.stderr)


@pytest.fixture(scope="session")
def site_url(django_db_setup, django_db_blocker):
    """The base URL of a live server for the whole session (browser, GDAL and proxy tests)."""
    from django.test.testcases import LiveServerThread

    with django_db_blocker.unblock():
        # No static handler of its own: WhiteNoise (in MIDDLEWARE) serves STATIC_ROOT.
        server = LiveServerThread("127.0.0.1", lambda handler: handler, port=0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield f"http://127.0.0.1:{server.port}"
        server.terminate()


@pytest.fixture
def rate_window():
    """Start the test early in a minute: the rate limits count in fixed windows of a
    minute (geo_directory/ratelimits.py), and requests straddling a window's end would be
    counted in two, letting the N+1th through."""
    from geo_directory.ratelimits import MINUTE

    left = MINUTE - time.time() % MINUTE
    if left < 8:  # seconds a rate-limit test needs at most for its counted requests
        time.sleep(left + 0.05)


@pytest.fixture
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture
def fake_ban(settings):
    """The geocoder points at a local server speaking the national address API's format
    (tests/fake_ban.py); Nominatim at a closed local port. Nothing leaves the machine."""
    from tests.fake_ban import FakeBAN, closed_port

    with FakeBAN() as ban:
        settings.GEOCODER_BAN_DOMAIN = ban.domain
        settings.GEOCODER_BAN_SCHEME = "http"
        settings.GEOCODER_NOMINATIM_DOMAIN = f"127.0.0.1:{closed_port()}"
        settings.GEOCODER_NOMINATIM_SCHEME = "http"
        settings.GEOCODER_TIMEOUT = 2
        yield ban


def _created_since(snapshot: dict) -> list:
    return [(model, model._default_manager.filter(pk__gt=top)) for model, top in snapshot.items()]


@pytest.fixture
def committed_db(django_db_setup, django_db_blocker):
    """Real commits, visible to other connections (threads, the live server, a browser).

    pytest-django's ``transactional_db`` would TRUNCATE every table afterwards, including
    the territory loaded once per session. Instead, rows this test creates (primary key
    above the pre-test maximum, in our own apps and auth) are deleted at its end. Tests
    using it must not modify pre-existing rows, or must restore them.
    """
    from django.apps import apps
    from django.db.models import Max

    our_apps = {"businesses", "accounts", "orders", "geocoding", "imports", "auth"}
    with django_db_blocker.unblock():
        snapshot = {}
        for model in apps.get_models():
            if model._meta.app_label in our_apps and model._meta.managed:
                pk = model._meta.pk
                if pk.get_internal_type() in ("AutoField", "BigAutoField"):
                    snapshot[model] = model._default_manager.aggregate(m=Max("pk"))["m"] or 0
        yield
        # Dependent models (orders, claims...) are registered after the ones they point
        # to, so deleting in reverse order, with cascades, leaves no dangling row.
        for _model, rows in reversed(_created_since(snapshot)):
            rows.delete()
