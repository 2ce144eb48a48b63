"""The workers' in-memory cache of public API answers learns of other processes' changes
through PostgreSQL's NOTIFY (caching._listen), and trusts nothing while its listener is
not connected. Real commits (``committed_db``): a NOTIFY is delivered only at a commit.
pytest-django creates the test database only for a run that holds a ``django_db`` test
(``committed_db`` is not one: it must not run in a transaction): this module has its own,
so that it runs alone."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from geo_directory import caching
from geo_directory.businesses.models import Business, Category
from tests.businesses.test_category_counts import MARSEILLE
from tests.hardening.test_response_cache import CLUSTERS, NEAR

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="module")
def listener_closed_at_the_end():
    """The listener holds a connection to the test database: closed before pytest-django
    drops it."""
    yield
    caching.stop_listening()


@pytest.fixture
def cached(settings, django_db_setup, committed_db):
    settings.API_RESPONSE_CACHE_SECONDS = 10
    return Client()


def _in_another_process(code: str) -> None:
    """Run Django ``code`` in a separate process on the test database (another worker, an
    import command), with the response cache off, as a ``manage.py`` command has it: its
    writes must still reach the servers that have it on."""
    params = connection.settings_dict
    unset = ("DATABASE_URL", "API_RESPONSE_CACHE_SECONDS")
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(
        DJANGO_SETTINGS_MODULE="geo_directory.settings",
        PGDATABASE=params["NAME"],
        PGHOST=params["HOST"] or "",
        PGPORT=str(params["PORT"] or "5432"),
        PGUSER=params["USER"] or "",
        PGPASSWORD=params.get("PASSWORD") or "",
    )
    subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


def _fresh_within(client, url, seconds: float):
    """The first answer not from memory, or the last one after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(url)
        if "X-Sn-Cache" not in response or time.monotonic() > deadline:
            return response
        time.sleep(0.02)


def test_another_process_s_change_shows_at_its_commit(cached):
    """A change committed by another process (another gunicorn worker, an import) reaches
    this process's cache through PostgreSQL's NOTIFY: stale within a fraction of a
    second, not after the 10 s window. The other process has the cache off (a
    ``manage.py`` import): it notifies all the same (``caching.bump_generation``)."""
    shop = Business.objects.create(
        name="Fournil du cache",
        category=Category.objects.get(slug="boulangerie"),
        status="published",
        location=MARSEILLE,
    )
    assert b"Fournil du cache" in cached.get(NEAR).content
    assert cached.get(NEAR)["X-Sn-Cache"] == "hit"
    _in_another_process(
        "from geo_directory.businesses.models import Business\n"
        f"shop = Business.objects.get(pk={shop.pk})\n"
        "shop.name = 'Fournil renommé ailleurs'\n"
        "shop.save()\n"
    )
    fresh = _fresh_within(cached, NEAR, 2.0)
    assert "X-Sn-Cache" not in fresh
    assert "Fournil renommé ailleurs".encode() in fresh.content
    # An import in another process (set-based, listings_bulk_changed) too.
    assert cached.get(NEAR)["X-Sn-Cache"] == "hit"
    _in_another_process(
        "from django.conf import settings\n"
        "assert not settings.API_RESPONSE_CACHE_SECONDS\n"
        "from geo_directory.businesses.signals import announce_bulk_change\n"
        "announce_bulk_change(sender='test')\n"
    )
    assert "X-Sn-Cache" not in _fresh_within(cached, NEAR, 2.0)


def test_nothing_is_served_while_the_listener_is_not_connected(cached):
    """The cache trusts its copies only while its listener is connected (it is what learns
    of other processes' changes, and its connection breaking is how a database crash
    shows); a reconnection starts a new generation (notices were lost meanwhile)."""
    client = cached
    client.get(CLUSTERS)
    assert client.get(CLUSTERS)["X-Sn-Cache"] == "hit"
    caching.stop_listening()
    # Ended: the next request starts a new listener; what was kept before is not used.
    assert "X-Sn-Cache" not in client.get(CLUSTERS)
    assert client.get(CLUSTERS)["X-Sn-Cache"] == "hit"
    # The listener's connection ends (as in a crash): nothing served until it is back.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query = %s AND datname = current_database() AND pid <> pg_backend_pid()",
            [f"LISTEN {caching.CHANNEL}"],
        )
        assert cursor.fetchone() == (True,)
    time.sleep(0.2)
    assert "X-Sn-Cache" not in client.get(CLUSTERS)
    deadline = time.monotonic() + 5
    while client.get(CLUSTERS).get("X-Sn-Cache") != "hit":
        assert time.monotonic() < deadline, "the listener never reconnected"
        time.sleep(0.1)


@pytest.mark.django_db
def test_stop_listening_closes_the_listener_s_connection():
    """What the session's teardown (tests/conftest.py) relies on. Also this module's
    ``django_db`` test: with it, pytest-django creates the test database when the module
    runs alone."""
    listening = (
        "SELECT count(*) FROM pg_stat_activity WHERE query = %s AND datname = current_database()"
    )

    def listeners() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once a transaction
            cursor.execute(listening, [f"LISTEN {caching.CHANNEL}"])
            return cursor.fetchone()[0]

    assert caching.data_generation() is not None
    assert listeners() == 1
    caching.stop_listening()
    deadline = time.monotonic() + 2  # the server ends the session just after the client
    while listeners():
        assert time.monotonic() < deadline, "the listener's session is still there"
        time.sleep(0.02)


def test_the_listener_is_closed_before_the_test_database_is_dropped():
    """A pytest run of its own (its own test database), whose one test leaves the listener
    running: pytest-django drops the database at the end without its warning that « the
    database is being accessed by other users » (made an error here)."""
    env = {**os.environ, "TEST_DATABASE_NAME": "test_sauvons_noel_listener_teardown"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/hardening/listener_left_running.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::pytest.PytestWarning",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "1 passed" in output and "teardown test databases" not in output, output
