"""Import bench: the full pipeline against a plain COPY of the same file, same run.

1. Generates N synthetic, pre-geocoded establishments in the géo-SIRENE format into
   ``bench-data/sirene-<N>.csv`` (``bench/import_files.py``; reused when already there).
2. In a separate database of the local cluster (``bench_import``, created, migrated and
   seeded with the territory and the real demo listings by the bench), removes the
   previous bench rows, then runs ``importers.sirene.import_sirene`` on the file in a
   child process (the real thing: streaming, COPY into staging, commune resolution,
   upsert, duplicate linking, one transaction) and reads the child's rows/s and peak RSS.
3. COPYs the same file, as is, into an empty unlogged-free plain table of text columns.
4. Measures the floor under the pipeline: the rows it created, already checked and
   located, inserted by SQL into a bare copy of the listings table, then that table's
   indexes and constraints built (``measure_floor``). No file, no check, no staging: what
   PostgreSQL itself spends on these rows, whatever the pipeline does before.

Section interface of ``python -m bench``: ``run(n, log) -> list[dict]``, ``table(rows)``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from geo_directory.businesses import bulk

from . import db
from .import_files import geojson_file, synthetic_file

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_IMPORT_DATABASE_NAME", "bench_import")
GOAL_RATIO = 1 / 5


def log_default(message: str) -> None:
    print(message, flush=True)


def connect(dbname: str = BENCH_DB, **kwargs) -> psycopg.Connection:
    return db.connect(dbname, **kwargs)


def django_env() -> dict[str, str]:
    return db.django_env(BENCH_DB)


def ensure_database(log) -> None:
    if BENCH_DB in {"sauvons_noel", os.environ.get("TEST_DATABASE_NAME", "test_sauvons_noel")}:
        raise SystemExit(f"refusing to bench on {BENCH_DB!r}: use a separate database")
    with connect("postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            log(f"creating database {BENCH_DB}")
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    for args in (("migrate", "--noinput", "-v", "0"), ("seed_demo",)):
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=django_env(),
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )


# --- measurements ------------------------------------------------------------------------

# Peak RSS is read from VmHWM (this process's own high-water mark): ru_maxrss would carry
# the parent's peak across fork/exec (the generator's arrays), not the importer's.
_PEAK = """
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""
_CHILD = (
    _PEAK
    + """
import json, sys
import django
django.setup()
from importers.sirene import import_sirene
report = import_sirene(sys.argv[1], progress=False)
print(json.dumps({
    "seconds": report.seconds, "read": report.read, "created": report.created,
    "updated": report.updated, "unchanged": report.unchanged, "merged": report.merged,
    "rejected": report.rejected_count, "outside": report.outside_region,
    "timings": report.timings, "peak_rss_mb": peak_rss_mb(),
}))
"""
)
_COPY_CHILD = (
    _PEAK
    + """
import json, sys, time
import psycopg
columns = ", ".join(f'"{name}" text' for name in json.loads(sys.argv[2]))
with psycopg.connect(autocommit=True) as conn:
    conn.execute("DROP TABLE IF EXISTS bench_raw_copy")
    conn.execute(f"CREATE TABLE bench_raw_copy ({columns})")
    started = time.perf_counter()
    with conn.cursor() as cur, open(sys.argv[1], "rb") as handle, cur.copy(
        "COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
    ) as copy:
        while chunk := handle.read(1 << 20):
            copy.write(chunk)
    seconds = time.perf_counter() - started
    rows = conn.execute("SELECT count(*) FROM bench_raw_copy").fetchone()[0]
    conn.execute("DROP TABLE bench_raw_copy")
print(json.dumps({"seconds": seconds, "rows": rows, "peak_rss_mb": peak_rss_mb()}))
"""
)


def _child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh Python on the bench database: the JSON of its last line."""
    child = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=django_env(),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def measure_pipeline(path: Path, log) -> dict:
    with connect(autocommit=True) as conn:
        deleted = conn.execute("DELETE FROM businesses_business WHERE source = 'sirene'").rowcount
        conn.execute("VACUUM ANALYZE businesses_business")
    if deleted:
        log(f"removed {deleted:,} bench listings of a previous run")
    log("pipeline: import_sirene ...")
    result = _child(_CHILD, str(path))
    log(f"pipeline: {json.dumps(result)}")
    return result


def measure_copy(path: Path, header: list[str], log) -> dict:
    """The same file, as is, into an empty table of text columns (a child process too)."""
    log("raw COPY ...")
    result = _child(_COPY_CHILD, str(path), json.dumps(header))
    log(f"raw COPY: {json.dumps(result)}")
    return result


# The floor table is created in the measuring transaction, so its rows skip the WAL
# (wal_level = minimal) where the pipeline's do not: a lower bound, rolled back.
_FLOOR_TABLE = "bench_floor"


def measure_floor(log) -> dict:
    """The pipeline's created rows through INSERT … SELECT into a bare copy of the listings
    table, then what the pipeline's bulk load rebuilds (``bulk.rebuildable_indexes`` and
    ``bulk.rebuildable_constraints``) and the primary key. The partial indexes these rows
    add no entry to are not counted: the pipeline keeps them as they are. One transaction,
    rolled back.
    """
    log("floor: the same rows, insert + indexes + constraints in SQL ...")
    timings: dict[str, float] = {}
    with connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [bulk.REBUILD_MEMORY])
        columns = [
            row[0]
            for row in cursor.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND is_generated = 'NEVER'"
                " AND column_name <> 'id' ORDER BY ordinal_position",
                [bulk.TABLE],
            )
        ]
        indexes = bulk.rebuildable_indexes(cursor)
        constraints = bulk.rebuildable_constraints(cursor)
        cursor.execute(
            f"CREATE TABLE {_FLOOR_TABLE} (LIKE {bulk.TABLE} INCLUDING DEFAULTS"
            " INCLUDING GENERATED INCLUDING IDENTITY INCLUDING CONSTRAINTS)"
        )
        listed = ", ".join(columns)
        started = time.perf_counter()
        rows = cursor.execute(
            f"INSERT INTO {_FLOOR_TABLE} ({listed}) SELECT {listed} FROM {bulk.TABLE}"
            " WHERE source = 'sirene'"
        ).rowcount
        timings["insert"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(f"ALTER TABLE {_FLOOR_TABLE} ADD PRIMARY KEY (id)")
        timings["primary key"] = time.perf_counter() - started
        for name, definition in indexes:
            started = time.perf_counter()
            cursor.execute(
                definition.replace(f"INDEX {name} ON", "INDEX ON", 1).replace(
                    f" public.{bulk.TABLE} ", f" {_FLOOR_TABLE} ", 1
                )
            )
            # Built all the same (a foreign key's validation uses it), but not counted.
            predicate = definition.partition(" WHERE ")[2]
            if (
                not predicate
                or cursor.execute(
                    f"SELECT EXISTS (SELECT 1 FROM {_FLOOR_TABLE} WHERE {predicate})"
                ).fetchone()[0]
            ):
                timings[name] = time.perf_counter() - started
        for name, definition in constraints:
            started = time.perf_counter()
            cursor.execute(f"ALTER TABLE {_FLOOR_TABLE} ADD {definition}")
            timings[name] = time.perf_counter() - started
        conn.rollback()
    result = {"seconds": sum(timings.values()), "rows": rows, "timings": timings}
    log(f"floor: {json.dumps(result)}")
    return result


def run(n: int, log=log_default) -> list[dict]:
    ensure_database(log)
    path = synthetic_file(n, log)
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    pipeline = measure_pipeline(path, log)
    raw = measure_copy(path, header, log)
    floor = measure_floor(log)
    return [
        {
            "n": n,
            "what": "full pipeline (import_sirene)",
            "seconds": pipeline["seconds"],
            "rows_per_s": pipeline["read"] / pipeline["seconds"],
            "peak_rss_mb": pipeline["peak_rss_mb"],
            "created": pipeline["created"],
            "timings": pipeline["timings"],
        },
        {
            "n": n,
            "what": "plain COPY into an empty table",
            "seconds": raw["seconds"],
            "rows_per_s": raw["rows"] / raw["seconds"],
            "peak_rss_mb": raw["peak_rss_mb"],
            "created": raw["rows"],
        },
        {
            "n": n,
            "what": "floor: same rows, SQL only",
            "seconds": floor["seconds"],
            "rows_per_s": floor["rows"] / floor["seconds"],
            "peak_rss_mb": None,
            "created": floor["rows"],
            "timings": floor["timings"],
        },
    ]


def table(results: list[dict]) -> str:
    lines = [
        f"{'N':>10} | {'what':<32} | {'seconds':>8} | {'rows/s':>10} | "
        f"{'peak RSS MB':>11} | {'rows':>9}"
    ]
    lines.append("-" * len(lines[0]))
    by_n: dict[int, dict[str, dict]] = {}
    for r in results:
        rss = "-" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}"
        lines.append(
            f"{r['n']:>10,} | {r['what']:<32} | {r['seconds']:>8.1f} | "
            f"{r['rows_per_s']:>10,.0f} | {rss:>11} | {r['created']:>9,}"
        )
        kind = next(k for k in ("pipeline", "COPY", "floor") if k in r["what"])
        by_n.setdefault(r["n"], {})[kind] = r
    for n, rows in by_n.items():
        for kind in ("pipeline", "floor"):
            stages = rows.get(kind, {}).get("timings")
            if stages:
                lines.append(
                    f"N = {n:,}: {kind} stages (s): "
                    + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in stages.items())
                )
        copy = rows.get("COPY")
        if copy and "pipeline" in rows:
            ratio = rows["pipeline"]["rows_per_s"] / copy["rows_per_s"]
            verdict = "meets" if ratio >= GOAL_RATIO else "misses"
            lines.append(
                f"N = {n:,}: pipeline / COPY = 1/{1 / ratio:.1f} "
                f"({verdict} the goal of 1/{1 / GOAL_RATIO:.0f})"
            )
        if copy and "floor" in rows:
            ratio = rows["floor"]["rows_per_s"] / copy["rows_per_s"]
            lines.append(
                f"N = {n:,}: floor / COPY = 1/{1 / ratio:.1f} (the database's own insert,"
                " index and constraint work on these rows: no pipeline goes under it)"
            )
    return "\n".join(lines)


# --- a big GeoJSON of points outside the region (issue #18: time and peak memory) -------

_GEOJSON_CHILD = (
    _PEAK
    + """
import json, sys, time
import django
django.setup()
from importers.geojson import import_geojson
started = time.perf_counter()
report = import_geojson(sys.argv[1], dry_run=True, progress=False)
print(json.dumps({
    "seconds": time.perf_counter() - started, "read": report.read,
    "outside": report.outside_region, "rejected": report.rejected_count,
    "peak_rss_mb": peak_rss_mb(),
}))
"""
)


def measure_geojson(n: int, log=log_default) -> dict:
    """``import_geojson --dry-run`` of N points outside the region, in a child process."""
    ensure_database(log)
    path = geojson_file(n, log)
    result = _child(_GEOJSON_CHILD, str(path))
    result.update(n=n, mb=path.stat().st_size / 1e6)
    log(f"geojson: {json.dumps(result)}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench import", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows (1,000,000)")
    parser.add_argument(
        "--geojson",
        type=int,
        metavar="N",
        help="instead: import_geojson --dry-run of N points outside the region (peak memory)",
    )
    args = parser.parse_args(argv)
    if args.geojson:
        r = measure_geojson(args.geojson)
        print(
            f"\n== import geojson ==\n{r['n']:,} features ({r['mb']:.0f} MB), dry run:"
            f" {r['seconds']:.1f} s, {r['read'] / r['seconds']:,.0f} features/s,"
            f" peak RSS {r['peak_rss_mb']:.0f} MB, {r['outside']:,} outside the region\n",
            flush=True,
        )
        return 0
    results = run(args.rows)
    print(f"\n== import ==\n{table(results)}\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
