"""Where a search API request spends its time, in process (no gunicorn, no socket).

``python -m bench.profile_api [--profile] [--requests N]`` calls Django's WSGI handler
directly with the bench's URLs (bench/api.py) on the bench database, and splits each
request's wall time into SQL (every statement, timed around the cursor by an
``execute_wrapper``) and the rest (Python: middleware, view, ORM compilation, JSON).
``--profile`` adds a cProfile of the whole loop, top functions by cumulative time.
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", default="", help="substring of a case name")
    parser.add_argument("--sql", action="store_true", help="print each case's statements once")
    args = parser.parse_args(argv)
    os.environ.update(django_env())
    import django

    django.setup()
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
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
