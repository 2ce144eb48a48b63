"""Where a search API request spends its time, in process (no gunicorn, no socket).

``python -m bench.profile_api [--profile] [--requests N]`` calls Django's WSGI handler
directly with the bench's URLs (bench/api.py) on the bench database, and splits each
request's wall time into SQL (every statement, timed around the cursor by an
``execute_wrapper``) and the rest (Python: middleware, view, ORM compilation, JSON).
``--profile`` adds a cProfile of the whole loop, top functions by cumulative time.

``--mix`` instead replays the residents' visits of the load test (``bench/loadtest.py``
``Sessions``, seeded: the same URLs every run), its HTML pages and API requests (not the
static files, WhiteNoise's), through the same WSGI handler with the workers' response cache
off, and prints the CPU time of this process (Python, no PostgreSQL) per request of each
kind in µs: the best of ``--rounds`` passes over the whole list (the cores are shared:
the best pass is the least disturbed). ``--profile`` with it profiles the kinds of
``--only`` (a comma-separated list of kinds).
The bench database must exist: run ``make bench BENCH_ARGS="api --sizes 1000000"`` once.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time

from .db import django_env


def print_profile(profiler: cProfile.Profile, cumulative: int, own: int) -> None:
    """The profile's heaviest functions, by cumulative then by own time."""
    for order, rows in (("cumulative", cumulative), ("tottime", own)):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(rows)
        print(out.getvalue())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", default="", help="substring of a case name")
    parser.add_argument("--sql", action="store_true", help="print each case's statements once")
    parser.add_argument("--mix", action="store_true", help="the load test's visits, per kind")
    parser.add_argument("--visits", type=int, default=300, help="--mix: visits replayed")
    parser.add_argument("--rounds", type=int, default=3, help="--mix: passes, the best kept")
    args = parser.parse_args(argv)
    os.environ.update(django_env())
    import django

    django.setup()
    if args.mix:
        return mix(args)
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import RequestFactory

    from .api import build_cases
    from .db import connect

    with connect(autocommit=True) as conn:
        cases = build_cases(conn, 1_000_000)
    cases = [c for c in cases if c.urls and args.only in c.name]
    from geo_directory.api import views

    view_time = [0.0]

    def timed(method):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return method(*a, **k)
            finally:
                view_time[0] += time.perf_counter() - started

        return wrapper

    views.BusinessListView.listing = timed(views.BusinessListView.listing)
    views.ClusterView.get = timed(views.ClusterView.get)
    handler = WSGIHandler()
    factory = RequestFactory(SERVER_NAME="127.0.0.1")
    sql_time = [0.0]
    statements: list[str] = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_time[0] += time.perf_counter() - started
            statements.append(sql)

    def call(url: str) -> tuple[int, bytes]:
        path, _, query = url.partition("?")
        environ = factory._base_environ(PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD="GET")
        status = []
        body = b"".join(handler(environ, lambda s, h, *a: status.append(s)))
        return int(status[0].split()[0]), body

    profiler = cProfile.Profile() if args.profile else None
    for case in cases:
        for url in case.urls[:3]:
            call(url)  # warm-up: connection, reference tables, caches
        walls, sqls, counts, in_view = [], [], [], []
        with connection.execute_wrapper(timer):
            for i in range(args.requests):
                url = case.urls[i % len(case.urls)]
                sql_time[0] = view_time[0] = 0.0
                statements.clear()
                if profiler:
                    profiler.enable()
                started = time.perf_counter()
                status, body = call(url)
                wall = time.perf_counter() - started
                if profiler:
                    profiler.disable()
                if status != 200:
                    raise SystemExit(f"{url}: {status} {body[:200]!r}")
                walls.append(wall * 1000)
                sqls.append(sql_time[0] * 1000)
                counts.append(len(statements))
                in_view.append(view_time[0] * 1000)
                if args.sql and i == 0:
                    for sql in statements:
                        print("   ", sql[:2000])
        wall50, sql50 = statistics.median(walls), statistics.median(sqls)
        outside = statistics.median(w - v for w, v in zip(walls, in_view, strict=True))
        python_min = min(w - q for w, q in zip(walls, sqls, strict=True))
        print(
            f"{case.name:<32} wall p50 {wall50:6.2f} ms  sql p50 {sql50:6.2f} ms  "
            f"python ~{wall50 - sql50:5.2f} ms  outside view "
            f"{outside:5.2f} ms  statements {statistics.median(counts):.0f}"
            f"  python min {python_min:5.2f} ms"
            f"  (load {os.getloadavg()[0]:.1f})"
        )
    if profiler:
        print_profile(profiler, 60, 30)
    return 0


def mix(args) -> int:
    """CPU µs per request of each kind of the load test's mix (the module's docstring)."""
    import collections

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections
    from django.test import RequestFactory

    from .db import connect
    from .loadtest import Sessions, kind_of

    settings.API_RESPONSE_CACHE_SECONDS = 0
    with connect() as conn:
        sessions = Sessions(conn, 1_000_000, [])
    urls = [p for _ in range(args.visits) for kind, p in sessions.visit() if kind != "static"]
    only = {k for k in args.only.split(",") if k}
    handler = WSGIHandler()
    factory = RequestFactory(SERVER_NAME="127.0.0.1")
    environs = []
    for url in urls:
        path, _, query = url.partition("?")
        environ = factory._base_environ(PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD="GET")
        environ["HTTP_ACCEPT"] = "*/*"
        environ["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
        environs.append((kind_of(url), environ))

    def start_response(status, headers, *exc):
        if not status.startswith(("200", "301", "302", "304")):
            raise SystemExit(f"{status}")

    for _, environ in environs[:30]:  # warm-up: connection, reference tables, templates
        b"".join(handler(dict(environ), start_response))
    best: dict[str, float] = {}
    counts = collections.Counter(kind for kind, _ in environs)
    # Statements per request of each kind: each costs the worker ~0.1-0.2 ms of CPU on its
    # own (Django's cursor, psycopg's binding, the wait), whatever PostgreSQL does.
    statements: collections.Counter = collections.Counter()
    counting = [""]

    def count_statement(execute, sql, params, many, context):
        statements[counting[0]] += 1
        return execute(sql, params, many, context)

    with connections["default"].execute_wrapper(count_statement):
        for kind, environ in environs:
            counting[0] = kind
            b"".join(handler(dict(environ), start_response))
    # CPU time, not wall time: a wait on PostgreSQL is not Python's cost.
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    for _ in range(args.rounds):
        spent: dict[str, float] = collections.defaultdict(float)
        for kind, environ in environs:
            profile = profiler is not None and (not only or kind in only)
            environ = dict(environ)
            if profile:
                profiler.enable()
            started = time.process_time()
            b"".join(handler(environ, start_response))
            spent[kind] += time.process_time() - started
            if profile:
                profiler.disable()
        for kind, seconds in spent.items():
            best[kind] = min(best.get(kind, seconds), seconds)
    total = sum(best.values()) / len(environs)
    print(
        f"{len(environs):,} requests of {args.visits} visits, best of {args.rounds} passes,"
        f" Python CPU per request {total * 1e6:,.0f} µs (load {os.getloadavg()[0]:.1f})"
    )
    for kind, seconds in sorted(best.items(), key=lambda kv: -kv[1]):
        print(
            f"  {kind:<13} {counts[kind]:>5} req  {seconds / counts[kind] * 1e6:7,.0f} µs/req"
            f"  {statements[kind] / counts[kind]:4.1f} statements/req"
        )
    if profiler:
        print_profile(profiler, 70, 40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
