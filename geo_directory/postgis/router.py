"""Read replicas on PostgreSQL's own streaming replication (docs/deployment.md).

With ``DATABASE_REPLICA_URLS`` set, settings.py adds one database alias per standby
(``replica_0``, ``replica_1``, ...), this router and :class:`ReadYourWritesMiddleware`:

- the public reads (the apps of ``REPLICA_APPS``: listings, categories, communes, the
  API's cluster cells), the ORM's and the API's hand-written SQL alike (``reads()``), go
  to a healthy replica; everything else (accounts, sessions,
  orders, the admin, the rate-limit cache) and every write go to the primary;
- read-your-writes: a write pins the rest of the request (or command) to the primary,
  and a request that wrote anything (any non-GET method) gets a short-lived cookie that
  sends its author's next requests to the primary until the replicas have surely caught
  up (``DATABASE_REPLICA_PIN_SECONDS``);
- reads inside a transaction on the primary stay there (they must see its writes);
- a replica is used only if it is in recovery and either caught up with what it received
  while streaming, or replaying transactions at most ``DATABASE_REPLICA_MAX_LAG`` seconds
  old (``pg_last_xact_replay_timestamp``). It is checked at most every
  ``DATABASE_REPLICA_CHECK_SECONDS`` per process, and its connection is tested before
  each read is routed to it, so a replica that stopped is skipped at once (reads fall
  back to the primary, no error) and retried at the next check.

The health query reads ``pg_stat_wal_receiver``: the replicas' role needs
``pg_read_all_stats`` (or ``pg_monitor``) to see its status; without it only the replay
timestamp counts, and an idle primary makes the replicas look late (reads go to the
primary, which is safe).
"""

from __future__ import annotations

import itertools
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connections

REPLICA_APPS = frozenset({"businesses", "territory", "api"})
PIN_COOKIE = "sn_primaire"

_pinned: ContextVar[bool] = ContextVar("sauvons_noel_primary_pinned", default=False)
_health: dict[str, tuple[float, bool]] = {}  # alias -> (monotonic time checked, healthy)
_lock = threading.Lock()
_turn = itertools.count()

LAG_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
           AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp())
"""


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def pin_to_primary() -> None:
    """Send this request's (or command's) remaining reads to the primary."""
    _pinned.set(True)


def _mark(alias: str, healthy: bool) -> bool:
    with _lock:
        _health[alias] = (time.monotonic(), healthy)
    return healthy


def _check(alias: str) -> bool:
    """Is the replica in recovery, and caught up or late by at most the allowed lag?"""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, caught_up, replay_age = cursor.fetchone()
    except (DatabaseError, InterfaceError):
        connections[alias].close()
        return _mark(alias, False)
    max_lag = _setting("DATABASE_REPLICA_MAX_LAG", 5.0)
    late = replay_age is None or float(replay_age) > max_lag
    return _mark(alias, bool(in_recovery) and (bool(caught_up) or not late))


def _reachable(alias: str) -> bool:
    """The kept connection is alive, or a new one opens: a stopped replica fails here,
    before any query. Tested at every routing decision, not once per request as
    CONN_HEALTH_CHECKS does: a quiet socket costs one poll() (geo_directory/postgis/base.py),
    and a replica may stop between two reads of one request."""
    connection = connections[alias]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        connection.ensure_connection()
    except (DatabaseError, InterfaceError):
        connection.close()
        return _mark(alias, False)
    return True


def reads(model):
    """The connection that reads of ``model`` go to: where ``db_for_read`` sends them (a
    healthy replica for public data, else the primary), for hand-written SQL, which
    Django's router never sees (``api/queries.py``, ``api/clusters.py``). Without
    replicas, or with no router installed, it is the default connection."""
    from django.db import router

    return connections[router.db_for_read(model)]


def healthy_replica() -> str | None:
    """A replica fit to serve public reads now, or None (then the primary serves them)."""
    aliases = replica_aliases()
    if not aliases:
        return None
    every = _setting("DATABASE_REPLICA_CHECK_SECONDS", 1.0)
    start = next(_turn) % len(aliases)
    for alias in aliases[start:] + aliases[:start]:
        checked, healthy = _health.get(alias, (float("-inf"), False))
        if time.monotonic() - checked >= every:
            healthy = _check(alias)
        if healthy and _reachable(alias):
            return alias
    return None


class ReplicaRouter:
    """Public reads to a healthy replica; writes, private data and pinned reads to the
    primary (``default``)."""

    def db_for_read(self, model, **hints):
        if (
            model._meta.app_label not in REPLICA_APPS
            or _pinned.get()
            or connections["default"].in_atomic_block
        ):
            return "default"
        return healthy_replica() or "default"

    def db_for_write(self, model, **hints):
        pin_to_primary()
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # replicas follow the primary's WAL, schema included


class ReadYourWritesMiddleware:
    """A request that writes, and its author's requests for a few seconds after it, read
    from the primary: the replicas may not have replayed that write yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        token = _pinned.set(writes or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=int(_setting("DATABASE_REPLICA_PIN_SECONDS", 10)),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
