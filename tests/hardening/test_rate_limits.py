"""Abuse limits (geo_directory/ratelimits.py): sign-up, login, password reset, checkout and
geocoding, per client address and per account, counted in the cache shared by workers.

Limits are lowered through ``settings.RATE_LIMITS`` so that the N+1th request is reached
in a few requests. Counters live in the database cache: each test's counters vanish with
its rolled-back transaction.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from geo_directory import ratelimits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_window")]

IP_A, IP_B, IP_C = "203.0.113.10", "203.0.113.20", "198.51.100.7"

# scope: (URL, POST data for an "account" — the e-mail typed — or None)
FORMS = {
    "signup": ("/compte/inscription/", lambda n: {"email": f"nouveau{n}@example.fr"}),
    "login": ("/compte/connexion/", lambda n: {"username": f"u{n}@example.fr", "password": "x"}),
    "password_reset": ("/compte/mot-de-passe/oubli/", lambda n: {"email": f"u{n}@example.fr"}),
    "checkout": ("/commerces/{business}/commande/", lambda n: {"email": f"u{n}@example.fr"}),
}


@pytest.fixture
def business():
    from tests.factories import make_business

    return make_business()


def _url(scope, business):
    return FORMS[scope][0].format(business=business.pk)


def assert_429(response, scope):
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    text = response.content.decode()
    assert ratelimits.MESSAGES[scope] in text.replace("&#x27;", "'")
    assert '<html lang="fr">' in text


@pytest.mark.parametrize("scope", list(FORMS))
def test_per_ip_the_n_plus_first_request_is_refused(client, settings, business, scope):
    settings.RATE_LIMITS = {scope: {"ip": (3, 60), "account": None}}
    url, data = _url(scope, business), FORMS[scope][1]
    for n in range(3):  # a different account each time: only the address counts
        assert client.post(url, data(n), REMOTE_ADDR=IP_A).status_code != 429
    assert_429(client.post(url, data(99), REMOTE_ADDR=IP_A), scope)
    # Another address is not affected, and pages are still shown (GET is not counted).
    assert client.post(url, data(100), REMOTE_ADDR=IP_B).status_code != 429
    assert client.get(url, REMOTE_ADDR=IP_A).status_code != 429


@pytest.mark.parametrize("scope", ["login", "password_reset", "checkout"])
def test_per_account_across_addresses(client, settings, business, scope):
    settings.RATE_LIMITS = {scope: {"ip": (100, 60), "account": (2, 60)}}
    url, data = _url(scope, business), FORMS[scope][1]
    assert client.post(url, data(1), REMOTE_ADDR=IP_A).status_code != 429
    assert client.post(url, data(1), REMOTE_ADDR=IP_B).status_code != 429
    # The same account from a third address: refused; another account: fine.
    assert_429(client.post(url, data(1), REMOTE_ADDR=IP_C), scope)
    assert client.post(url, data(2), REMOTE_ADDR=IP_C).status_code != 429


def test_login_counts_the_address_case_insensitively(client, settings):
    settings.RATE_LIMITS = {"login": {"ip": (100, 60), "account": (1, 60)}}
    url = "/compte/connexion/"
    assert client.post(url, {"username": "Chef@Example.fr", "password": "x"}).status_code == 200
    assert_429(client.post(url, {"username": " chef@example.fr", "password": "x"}), "login")


def test_checkout_per_logged_in_account(client, settings, business):
    from tests.factories import make_user

    settings.RATE_LIMITS = {"checkout": {"ip": (100, 60), "account": (2, 60)}}
    client.force_login(make_user("gourmand"))
    url = _url("checkout", business)
    for ip in (IP_A, IP_B):  # whatever e-mail is typed, the account is the logged-in user
        assert client.post(url, {"email": f"{ip}@x.fr"}, REMOTE_ADDR=ip).status_code != 429
    assert_429(client.post(url, {"email": "autre@x.fr"}, REMOTE_ADDR=IP_C), "checkout")


def test_admin_login_shares_the_login_limit(client, settings):
    settings.RATE_LIMITS = {"login": {"ip": (2, 60), "account": None}}
    for _ in range(2):
        response = client.post("/admin/login/", {"username": "a@b.fr", "password": "x"})
        assert response.status_code == 200
    assert_429(client.post("/admin/login/", {"username": "a@b.fr", "password": "x"}), "login")
    assert client.post("/compte/connexion/", {"username": "a", "password": "x"}).status_code == 429


def test_a_successful_login_still_works_under_the_limit(client, settings):
    from tests.factories import make_merchant

    settings.RATE_LIMITS = {"login": {"ip": (5, 60), "account": (5, 60)}}
    make_merchant("chef@example.fr", "Noel-2026-Marseille!")
    response = client.post(
        "/compte/connexion/", {"username": "chef@example.fr", "password": "Noel-2026-Marseille!"}
    )
    assert response.status_code == 302 and response.url == "/espace/"


def test_geocoding_uses_the_same_mechanism(client, settings, fake_ban):
    settings.RATE_LIMITS = {"geocoding": {"ip": (2, 60)}}
    for _ in range(2):
        response = client.get("/geocodage/", {"q": "1 Place Masséna Nice"}, REMOTE_ADDR=IP_A)
        assert response.status_code == 200
    response = client.get(
        "/geocodage/inverse/", {"lon": "7.27", "lat": "43.6975"}, REMOTE_ADDR=IP_A
    )
    assert response.status_code == 429
    assert response.json()["error"] == ratelimits.MESSAGES["geocoding"]
    assert int(response["Retry-After"]) >= 1
    assert (
        client.get("/geocodage/", {"q": "1 Place Masséna Nice"}, REMOTE_ADDR=IP_B).status_code
        == 200
    )


def test_default_limits_are_in_force():
    for scope in ("signup", "login", "password_reset", "checkout", "geocoding"):
        assert ratelimits.limits(scope)["ip"][0] >= 10
    assert ratelimits.limits("login")["account"] == (10, 300)
    assert ratelimits.limits("password_reset")["account"] == (3, 3600)


def test_a_cache_failure_lets_requests_through(client, settings, monkeypatch):
    settings.RATE_LIMITS = {"login": {"ip": (1, 60), "account": None}}

    def down(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(cache, "add", down)
    for _ in range(3):
        response = client.post("/compte/connexion/", {"username": "a@b.fr", "password": "x"})
        assert response.status_code == 200


def test_the_cache_is_a_database_table():
    """Not Django's default per-process LocMemCache."""
    backend = django_settings.CACHES["default"]["BACKEND"]
    assert backend == "django.core.cache.backends.db.DatabaseCache"
    assert "django_cache" in connection.introspection.table_names()


def test_counters_from_another_worker_process_count_here():
    """A counter written by another Python process (another gunicorn worker) is seen here.
    The child commits its row in the throwaway test database (dropped at the end of the
    session; the key is unique to this test and expires within the hour)."""
    scope, ident = f"test-shared-{os.getpid()}", "192.0.2.1"
    key_args = (scope, "ip", ident, 3, 3600)
    code = (
        "import django; django.setup()\n"
        "from geo_directory.ratelimits import hit\n"
        f"print(hit(*{key_args!r}), hit(*{key_args!r}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "geo_directory.settings",
        "PGDATABASE": connection.settings_dict["NAME"],
    }
    # The child writes and commits in the test database; this test's own transaction
    # then sees its rows (READ COMMITTED) and counts the third and fourth hits.
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["0", "0"]  # hits 1 and 2 of 3, in the other process
    assert ratelimits.hit(*key_args) == 0  # the 3rd
    assert ratelimits.hit(*key_args) > 0  # the 4th: over, counted across processes
