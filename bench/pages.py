"""The home page through gunicorn, against references measured in the same run.

``/`` (the residents' map: the page shell and its category chips) is requested
``REQUESTS`` times (after a warm-up) from a real gunicorn (one sync worker, 127.0.0.1, a
free port, ``DEBUG`` off) serving the bench database, alternately with:

- a static file served by the same gunicorn (WhiteNoise): the floor of any request
  through that server;
- the chips' SQL as the page runs it now (the per-category counts the triggers keep,
  ``geo_directory/businesses/counts.py``), through psycopg on the same database;
- the SQL the page ran before (a count of the published listings per category, joined to
  the categories): the scan of the listings table that each view of ``/`` used to make.

Then the contention the issue measured (16 clients on ``/`` held every worker): gunicorn
as ``make run`` serves it (``gunicorn.conf.py``), ``CLIENTS`` closed-loop clients on
``/`` for ``SECONDS`` seconds while one more client times a listing's API detail,
against the same detail with no other traffic and with as many clients on the static
file instead (the cheapest request: what saturated workers cost by themselves).
"""

from __future__ import annotations

import os
import threading
import time

import psycopg

from .api import REQUESTS, WARMUP, Server, _percentiles
from .db import connect

STATIC = "/static/maps/maps.css"
CLIENTS = 16
BEFORE_SAMPLES = 10  # the old scan takes seconds at a million listings: a few samples
SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", "10"))

CHIPS_NOW = (
    "SELECT category_id, sum(published)::bigint, count(*) FROM businesses_category_count"
    " GROUP BY category_id"
)
# What maps.views.category_chips() ran on every view before the counts were kept (the
# statement Django generated, parameters inlined).
CHIPS_BEFORE = """
SELECT c.id, c.slug, c.label, c.parent_id, c.position, c.naf_codes, c.osm_tags,
       COUNT(b.id) FILTER (WHERE b.status = 'published') AS count
  FROM businesses_category c
  LEFT OUTER JOIN businesses_category t2 ON c.id = t2.parent_id
  LEFT OUTER JOIN businesses_business b ON c.id = b.category_id
 WHERE t2.id IS NULL
 GROUP BY c.id, c.slug
HAVING COUNT(b.id) FILTER (WHERE b.status = 'published') > 0
    OR c.slug IN ('boulangerie', 'boucherie', 'fromagerie', 'primeur', 'poissonnerie',
                  'fleuriste', 'librairie', 'restaurant', 'traiteur', 'hotel')"""


def _http(server: Server, path: str) -> float:
    started = time.perf_counter()
    status, body = server.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"HTTP {status} for {path}: {body[:300]!r}")
    return elapsed


def _sql(conn: psycopg.Connection, sql: str) -> float:
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.execute(sql)
        cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def sequential(conn: psycopg.Connection, n: int, log) -> list[dict]:
    samples = {"home": [], "static": [], "now": [], "before": []}
    step = max(1, (WARMUP + REQUESTS) // BEFORE_SAMPLES)
    server = Server()
    try:
        body = server.get("/")[1].decode()
        if 'class="chip"' not in body:
            raise SystemExit("/ has no category chips")
        for i in range(WARMUP + REQUESTS):
            figures = {
                "home": _http(server, "/"),
                "static": _http(server, STATIC),
                "now": _sql(conn, CHIPS_NOW),
                "before": _sql(conn, CHIPS_BEFORE) if i % step == 0 else None,
            }
            if i >= WARMUP:
                for name, value in figures.items():
                    if value is not None:
                        samples[name].append(value)
    finally:
        server.stop()
    labels = {
        "home": "GET / (gunicorn, 1 worker)",
        "static": "GET static file (same server)",
        "now": "chips SQL now (kept counts)",
        "before": "chips SQL before (count scan)",
    }
    results = []
    for name, values in samples.items():
        p50, p95 = _percentiles(values)
        results.append({"n": n, "what": labels[name], "p50": p50, "p95": p95, "k": len(values)})
        log(f"  {labels[name]}: p50 {p50:.2f} ms, p95 {p95:.2f} ms ({len(values)} samples)")
    return results


def _detail_ids(conn: psycopg.Connection) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM businesses_business TABLESAMPLE SYSTEM (1) REPEATABLE (7)"
        " WHERE status = 'published' AND merged_into_id IS NULL LIMIT 200"
    ).fetchall()
    return [row[0] for row in rows]


def _probe(server: Server, ids: list[int], stop: threading.Event) -> list[float]:
    samples, i = [], 0
    while not stop.is_set():
        samples.append(_http(server, f"/api/v1/businesses/{ids[i % len(ids)]}/"))
        i += 1
    return samples


def contention(conn: psycopg.Connection, n: int, log) -> list[dict]:
    ids = _detail_ids(conn)
    server = Server(production=True, log=open(os.devnull, "w"))  # noqa: SIM115
    results = []
    try:
        for _ in range(WARMUP):
            _http(server, "/")
        for clients, path in ((0, "/"), (CLIENTS, STATIC), (CLIENTS, "/")):
            stop = threading.Event()
            home: list[list[float]] = [[] for _ in range(clients)]

            def load(out, stop=stop, path=path):
                while not stop.is_set():
                    out.append(_http(server, path))

            threads = [threading.Thread(target=load, args=(out,)) for out in home]
            for thread in threads:
                thread.start()
            timer = threading.Timer(SECONDS, stop.set)
            timer.start()
            detail = _probe(server, ids, stop)
            for thread in threads:
                thread.join()
            p50, p95 = _percentiles(detail)
            row = {"n": n, "clients": clients, "path": path, "detail_p50": p50, "detail_p95": p95}
            pages = [value for out in home for value in out]
            if pages:
                row["home_p50"], row["home_p95"] = _percentiles(pages)
                row["home_rps"] = len(pages) / SECONDS
            results.append(row)
            log(
                f"  {clients} clients on {path}: API detail p50 {p50:.1f} ms, p95 {p95:.1f} ms"
                + (
                    f"; {path} p50 {row['home_p50']:.1f} ms, p95 {row['home_p95']:.1f} ms,"
                    f" {row['home_rps']:.0f} req/s"
                    if pages
                    else ""
                )
            )
    finally:
        server.stop()
    return results


def run(n: int, log=print) -> list[dict]:
    from .synthetic import populate

    populate(n, log=log)
    log(
        f"  load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
        f" on {os.cpu_count()} CPUs"
    )
    with connect(autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("SET max_parallel_workers_per_gather = 0")  # as the site's sessions
        results = sequential(conn, n, log) + contention(conn, n, log)
    log(f"  load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return results


def table(results: list[dict]) -> str:
    header = f"{'N':>9} | {'what':<32} | {'p50 ms':>8} | {'p95 ms':>8}"
    lines = [header, "-" * len(header)]
    for r in results:
        if "what" in r:
            lines.append(f"{r['n']:>9,} | {r['what']:<32} | {r['p50']:>8.2f} | {r['p95']:>8.2f}")
    lines.append("")
    lines.append(
        f"{'N':>9} | {'clients on':<26} | detail p50 | detail p95 | their p50 | their p95"
        " | their req/s"
    )
    for r in results:
        if "clients" in r:
            home = (
                f"{r['home_p50']:>9.1f} | {r['home_p95']:>9.1f} | {r['home_rps']:>11.0f}"
                if "home_p50" in r
                else f"{'-':>9} | {'-':>9} | {'-':>11}"
            )
            who = "nothing else" if not r["clients"] else f"{r['clients']} × {r['path']}"
            lines.append(
                f"{r['n']:>9,} | {who:<26} | {r['detail_p50']:>10.1f} |"
                f" {r['detail_p95']:>10.1f} | {home}"
            )
    return "\n".join(lines)
