"""The Django side of tests/replication/test_read_replicas.py, in its own process.

Run with PGHOST/PGDATABASE on the test's primary and DATABASE_REPLICA_URLS on its standby;
reads one command per line on stdin and answers one JSON line on stdout, so that the test
can pause, lag or stop the standby between two commands. ``used`` lists the databases that
ran a query on the categories table for that command.
"""

from __future__ import annotations

import contextvars
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from geo_directory.businesses.models import Category  # noqa: E402
from geo_directory.postgis import router  # noqa: E402

SLUG = "ecrite-a-l-instant"
ALIASES = ("default", "replica_0")


def served(fn) -> tuple[object, list[str]]:
    """Run ``fn``; which databases queried the categories table meanwhile."""
    for alias in ALIASES:
        connections[alias].force_debug_cursor = True
        connections[alias].queries_log.clear()
    result = fn()
    used = [
        alias
        for alias in ALIASES
        if any("businesses_category" in q["sql"] for q in connections[alias].queries_log)
    ]
    return result, used


def browser() -> Client:
    return Client(HTTP_HOST="127.0.0.1")  # a host ALLOWED_HOSTS accepts


def fresh(fn):
    """``fn`` as a new request's code would run it: nothing pinned to the primary yet."""
    return contextvars.Context().run(fn)


def seen() -> bool:
    return Category.objects.filter(slug=SLUG).exists()


def public_get() -> dict:
    response, used = served(lambda: browser().get("/"))
    return {"status": response.status_code, "used": used}


def write_then_read() -> dict:
    def run():
        Category.objects.create(slug=SLUG, label="Écrite à l'instant")
        return seen()

    result, used = served(lambda: fresh(run))
    return {"seen": result, "used": used}


def public_read() -> dict:
    result, used = served(lambda: fresh(seen))
    return {"seen": result, "used": used}


def cookie_flow() -> dict:
    author = browser()
    posted = author.post("/compte/deconnexion/")
    cookie = posted.cookies.get(router.PIN_COOKIE)
    after, author_used = served(lambda: author.get("/"))
    other, other_used = served(lambda: browser().get("/"))
    return {
        "cookie_max_age": cookie["max-age"] if cookie else None,
        "author": [after.status_code, author_used],
        "other": [other.status_code, other_used],
    }


def listings_served(fn) -> tuple[object, list[str]]:
    """Run ``fn``; which databases ran the API's hand-written listing SQL meanwhile."""
    for alias in ALIASES:
        connections[alias].force_debug_cursor = True
        connections[alias].queries_log.clear()
    result = fn()
    used = [
        alias
        for alias in ALIASES
        if any("FROM businesses_business b" in q["sql"] for q in connections[alias].queries_log)
    ]
    return result, used


API_LIST = "/api/v1/businesses/?point=5.3698,43.2965&page_size=5"
API_CLUSTERS = "/api/v1/clusters/?in_bbox=5.2,43.2,5.5,43.4&zoom=12"


def api_reads() -> dict:
    """A resident's API list and clusters (anonymous), then a merchant's: they just wrote
    (a POST: the read-your-writes cookie), so theirs must read the primary."""
    resident = browser()
    listing, listing_used = listings_served(lambda: resident.get(API_LIST))
    cells, cells_used = listings_served(lambda: resident.get(API_CLUSTERS))
    merchant = browser()
    merchant.post("/compte/deconnexion/")
    mine, mine_used = listings_served(lambda: merchant.get(API_LIST))
    return {
        "resident": [listing.status_code, listing_used],
        "clusters": [cells.status_code, cells_used],
        "merchant": [mine.status_code, mine_used],
    }


def healthy() -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if router.healthy_replica():
            return {"alias": router.healthy_replica()}
        time.sleep(0.1)
    return {"alias": None}


def slow_checks() -> dict:
    # From now on only the per-request connection test can notice a stopped replica.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    return {"ok": True}


COMMANDS = {
    f.__name__: f
    for f in (public_get, write_then_read, public_read, cookie_flow, healthy, api_reads)
}
COMMANDS["slow_checks"] = slow_checks

for line in sys.stdin:
    command = line.strip()
    if command == "quit":
        break
    print(json.dumps(COMMANDS[command]()), flush=True)
