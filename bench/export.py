"""Open-data downloads at scale: rows/s and the server's peak memory, against ``COPY``.

gunicorn serves the bench database as ``make run`` does (``gunicorn.conf.py``, threaded
worker; one worker here so that its memory is the export's; its 30 s timeout lifted, and
each export's duration shown against it). Each
export (``/api/telechargement/commerces.csv`` and ``.geojson``, the whole directory and
one département) is read to its end over HTTP on 127.0.0.1; the worker's peak resident
memory is reset (``/proc/<pid>/clear_refs``) before it and read (``VmHWM``) after. The
reference, in the same run: PostgreSQL writing the same rows itself
(``COPY (SELECT ...) TO STDOUT``, CSV, and GeoJSON features built in SQL), read through
psycopg.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path

from .db import connect

PUBLISHED = "status = 'published' AND merged_into_id IS NULL"
COPY_CSV = f"""COPY (
    SELECT id, ST_X(location), ST_Y(location), name, category_id, street, postcode,
           commune_id, phone, email, website, opening_hours, description, offers_pickup,
           offers_delivery, delivery_radius_km, source, updated_at
      FROM businesses_business WHERE {PUBLISHED} {{scope}} ORDER BY {{order}}
) TO STDOUT (FORMAT csv, HEADER)"""
COPY_GEOJSON = f"""COPY (
    SELECT json_build_object('type', 'Feature', 'id', id,
               'geometry', ST_AsGeoJSON(location)::json,
               'properties', json_build_object('name', name, 'category', category_id,
                   'street', street, 'postcode', postcode, 'commune', commune_id,
                   'phone', phone, 'email', email, 'website', website,
                   'opening_hours', opening_hours, 'description', description,
                   'offers_pickup', offers_pickup, 'offers_delivery', offers_delivery,
                   'delivery_radius_km', delivery_radius_km, 'source', source,
                   'updated_at', updated_at))
      FROM businesses_business WHERE {PUBLISHED} {{scope}} ORDER BY {{order}}
) TO STDOUT"""
DEPARTEMENT = "13"
CASES = [
    # (name, URL, scope SQL, order SQL, reference COPY)
    ("CSV, whole directory", "/api/telechargement/commerces.csv", "", "id", COPY_CSV),
    ("GeoJSON, whole directory", "/api/telechargement/commerces.geojson", "", "id", COPY_GEOJSON),
    (
        f"CSV, département {DEPARTEMENT}",
        f"/api/telechargement/commerces.csv?departement={DEPARTEMENT}",
        "AND commune_id IN (SELECT code FROM territory_commune"
        f" WHERE departement_id = '{DEPARTEMENT}')",
        "commune_id, id",
        COPY_CSV,
    ),
]


def _worker_pid(master: int) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise SystemExit("gunicorn has no worker")


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} for {pid}")


def _download(port: int, url: str) -> tuple[int, int, float, int, bytes]:
    """(HTTP status, bytes, seconds, lines, last bytes) of one export read to its end."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    conn.request("GET", url)
    response = conn.getresponse()
    size = lines = 0
    tail = b""
    while chunk := response.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
        tail = (tail + chunk)[-16:]
    seconds = time.perf_counter() - started
    conn.close()
    return response.status, size, seconds, lines, tail


def _copy(sql: str) -> tuple[int, float]:
    with connect() as conn, conn.cursor() as cursor:
        started = time.perf_counter()
        size = 0
        with cursor.copy(sql) as copy:
            for block in copy:
                size += len(block)
        return size, time.perf_counter() - started


def _rows(scope: str) -> int:
    with connect() as conn:
        sql = f"SELECT count(*) FROM businesses_business WHERE {PUBLISHED} {scope}"
        return conn.execute(sql).fetchone()[0]


def run(n: int, log=print) -> list[dict]:
    from .api import Server
    from .synthetic import populate

    populate(n, log=log)
    log(f"  load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    os.environ["WORKERS"] = "1"  # gunicorn.conf.py: one worker, whose memory we read
    # Its 30 s timeout kills a sync worker whose request lasts longer: the time of each
    # export is reported against it (see table()), measured with the limit lifted.
    os.environ["GUNICORN_CMD_ARGS"] = "--timeout 600"
    try:
        server = Server(production=True, log=subprocess.DEVNULL)
    finally:
        os.environ.pop("GUNICORN_CMD_ARGS", None)
    results = []
    try:
        worker = _worker_pid(server.proc.pid)
        for name, url, scope, order, reference in CASES:
            rows = _rows(scope)
            Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak RSS
            before = _status_kib(worker, "VmRSS")
            status, size, seconds, lines, tail = _download(server.port, url)
            peak = _status_kib(worker, "VmHWM")
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
            # All there: a CSV line per row after the header; the GeoJSON's closing "]}".
            complete = tail.endswith(b"]}\n") if "geojson" in url else lines == rows + 1
            ref_size, ref_seconds = _copy(reference.format(scope=scope, order=order))
            results.append(
                {
                    "n": n,
                    "case": name,
                    "rows": rows,
                    "mb": size / 1e6,
                    "rows_s": rows / seconds,
                    "seconds": seconds,
                    "complete": complete,
                    "rss_before_mb": before / 1024,
                    "peak_mb": peak / 1024,
                    "copy_rows_s": rows / ref_seconds,
                    "copy_mb": ref_size / 1e6,
                }
            )
            log(
                f"  {name}: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s,"
                f" {size / 1e6:.0f} MB), worker RSS {before / 1024:.0f} → peak"
                f" {peak / 1024:.0f} MB; COPY {rows / ref_seconds:,.0f} rows/s"
                + ("" if complete else "  INCOMPLETE (worker timeout?)")
            )
    finally:
        server.stop()
    log(f"  load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return results


def table(results: list[dict]) -> str:
    header = (
        f"{'N':>9} | {'export':<24} | {'rows':>9} | {'MB':>6} | {'rows/s':>8} | "
        f"{'COPY rows/s':>11} | {'ratio':>5} | {'RSS before':>10} | {'peak RSS':>8} | "
        f"{'seconds':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r['n']:>9,} | {r['case']:<24} | {r['rows']:>9,} | {r['mb']:>6.0f} | "
            f"{r['rows_s']:>8,.0f} | {r['copy_rows_s']:>11,.0f} | "
            f"{r['copy_rows_s'] / r['rows_s']:>5.1f} | {r['rss_before_mb']:>7.0f} MB | "
            f"{r['peak_mb']:>5.0f} MB | {r['seconds']:>7.1f}"
            + ("" if r["seconds"] < 30 else " > gunicorn's 30 s timeout")
            + ("" if r["complete"] else "  INCOMPLETE")
        )
    return "\n".join(lines)
