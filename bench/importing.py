"""Import bench: the full pipeline against a plain COPY of the same file, same run.

1. Generates N synthetic, pre-geocoded establishments in the géo-SIRENE format (all the
   official columns, Luhn-valid SIRETs, NAF codes of our taxonomy, WGS84 points drawn
   uniformly inside the real commune boundaries of ``GEO_DATA_DIR``) into
   ``bench-data/sirene-<N>.csv`` (git-ignored; reused when already there).
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
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
import shapely

from geo_directory.businesses import bulk

from . import db

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("GEO_DATA_DIR") or ROOT.parent / "shared" / "data").resolve()
BENCH_DATA = ROOT / "bench-data"
BENCH_DB = os.environ.get("BENCH_IMPORT_DATABASE_NAME", "bench_import")
GOAL_RATIO = 1 / 5

NAF_CODES = [
    "10.71C",
    "10.71D",
    "47.24Z",
    "47.22Z",
    "10.13B",
    "47.21Z",
    "47.23Z",
    "47.11B",
    "47.29Z",
    "47.25Z",
    "10.82Z",
    "56.21Z",
    "56.10A",
    "56.10C",
    "56.30Z",
    "55.10Z",
    "55.20Z",
    "47.76Z",
    "47.61Z",
    "47.71Z",
    "47.65Z",
    "47.19B",
    "47.59B",
    "47.52A",
    "47.75Z",
    "47.77Z",
    "47.64Z",
    "96.02A",
    "95.23Z",
    "96.01B",
]
WORDS = [
    "DU PORT",
    "DES ARTS",
    "DE LA PLACE",
    "DU MARCHE",
    "PROVENCALE",
    "DU SOLEIL",
    "DES OLIVIERS",
    "DE LA GARE",
    "DU VIEUX PORT",
    "DES CIGALES",
    "DU COURS",
    "DE L'EGLISE",
    "DU CHATEAU",
]
KINDS = [
    "BOULANGERIE",
    "BOUCHERIE",
    "EPICERIE",
    "CAVE",
    "RESTAURANT",
    "HOTEL",
    "FLEURS",
    "LIBRAIRIE",
    "COIFFURE",
    "BAZAR",
    "BOUTIQUE",
    "PRIMEUR",
    "CAFE",
]
STREETS = [
    ("RUE", "DE LA REPUBLIQUE"),
    ("AV", "JEAN JAURES"),
    ("BD", "GAMBETTA"),
    ("PL", "DE LA MAIRIE"),
    ("CHE", "DES VIGNES"),
    ("RTE", "NATIONALE"),
    ("CRS", "MIRABEAU"),
    ("QUAI", "DU PORT"),
]


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


# --- synthetic data ----------------------------------------------------------------------


def _luhn_key(payload: np.ndarray) -> np.ndarray:
    """The Luhn check digit of each row of ``payload`` (digits, most significant first)."""
    digits = payload[:, ::-1].copy()  # rightmost payload digit is doubled
    doubled = digits[:, 0::2] * 2
    digits[:, 0::2] = np.where(doubled > 9, doubled - 9, doubled)
    return (10 - digits.sum(axis=1) % 10) % 10


def _sirets(n: int, rng: np.random.Generator) -> list[str]:
    # Distinct 8-digit SIREN bodies without a 10^8 permutation: i × stride mod 10^8 with a
    # stride prime to 10 visits every residue once.
    stride, start = 7_654_321, int(rng.integers(10**8))
    base = (start + np.arange(n, dtype=np.int64) * stride) % 10**8
    siren_payload = (base[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    siren = np.hstack([siren_payload, _luhn_key(siren_payload)[:, None]])
    nic_payload = np.zeros((n, 4), dtype=np.int64)
    nic_payload[:, 3] = 1
    siret_payload = np.hstack([siren, nic_payload])
    siret = np.hstack([siret_payload, _luhn_key(siret_payload)[:, None]])
    return ["".join(map(str, row)) for row in siret.tolist()]


def _communes() -> tuple[list[str], list[str], np.ndarray]:
    """Codes, postcodes and shapely boundaries of the current communes of the region."""
    cog = json.loads((DATA_DIR / "cog-communes.json").read_text())
    current = {
        e["code"]: (e.get("codesPostaux") or [""])[0]
        for e in cog
        if e.get("region") == "93" and e.get("type") == "commune-actuelle"
    }
    features = json.loads((DATA_DIR / "paca-communes.geojson").read_text())["features"]
    keep = [f for f in features if f["properties"]["code"] in current]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in keep])
    codes = [f["properties"]["code"] for f in keep]
    return codes, [current[c] for c in codes], geoms


def generate(n: int, path: Path, log=log_default, seed: int = 93) -> Path:
    """``n`` géo-SIRENE rows with points inside the region, written by streaming chunks."""
    from tests.importers.sirene_rows import COLUMNS, GEO_COLUMNS

    rng = np.random.default_rng(seed)
    py = random.Random(seed)
    codes, postcodes, geoms = _communes()
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    sirets = _sirets(n, rng)
    header = COLUMNS + GEO_COLUMNS
    index = {name: i for i, name in enumerate(header)}
    template = [""] * len(header)
    for name, value in {
        "statutDiffusionEtablissement": "O",
        "dateCreationEtablissement": "2015-03-02",
        "etablissementSiege": "true",
        "nombrePeriodesEtablissement": "1",
        "dateDebut": "2015-03-02",
        "etatAdministratifEtablissement": "A",
        "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
        "caractereEmployeurEtablissement": "O",
        "geo_type": "housenumber",
    }.items():
        template[index[name]] = value
    tmp = path.with_suffix(".part")
    written = 0
    started = time.perf_counter()
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        while written < n:
            lon = rng.uniform(minx, maxx, 200_000)
            lat = rng.uniform(miny, maxy, 200_000)
            points = shapely.points(lon, lat)
            hit_points, hit_geoms = tree.query(points, predicate="within")
            _, first = np.unique(hit_points, return_index=True)
            hit_points, hit_geoms = hit_points[first], hit_geoms[first]
            rows = []
            for p, g in zip(hit_points.tolist(), hit_geoms.tolist(), strict=True):
                if written + len(rows) >= n:
                    break
                row = template.copy()
                siret = sirets[written + len(rows)]
                street = py.choice(STREETS)
                row[index["siren"]], row[index["nic"]], row[index["siret"]] = (
                    siret[:9],
                    siret[9:],
                    siret,
                )
                row[index["numeroVoieEtablissement"]] = str(py.randint(1, 250))
                row[index["typeVoieEtablissement"]] = street[0]
                row[index["libelleVoieEtablissement"]] = street[1]
                row[index["codePostalEtablissement"]] = postcodes[g]
                row[index["codeCommuneEtablissement"]] = codes[g]
                row[index["enseigne1Etablissement"]] = f"{py.choice(KINDS)} {py.choice(WORDS)}"
                row[index["activitePrincipaleEtablissement"]] = py.choice(NAF_CODES)
                row[index["longitude"]] = f"{lon[p]:.6f}"
                row[index["latitude"]] = f"{lat[p]:.6f}"
                row[index["geo_score"]] = f"{py.uniform(0.5, 1):.2f}"
                rows.append(row)
            writer.writerows(rows)
            written += len(rows)
    tmp.rename(path)
    log(
        f"generated {n:,} rows into {path} ({path.stat().st_size / 1e6:,.0f} MB) "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return path


def synthetic_file(n: int, log) -> Path:
    BENCH_DATA.mkdir(exist_ok=True)
    path = BENCH_DATA / f"sirene-{n}.csv"
    if path.exists():
        log(f"reusing {path}")
        return path
    return generate(n, path, log)


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


def geojson_file(n: int, log) -> Path:
    """N shops of a FeatureCollection, all in the west of France (outside the region),
    written feature by feature; reused when present."""
    BENCH_DATA.mkdir(exist_ok=True)
    path = BENCH_DATA / f"outside-{n}.geojson"
    if path.exists():
        log(f"reusing {path}")
        return path
    rng = random.Random(18)
    point = lambda: [round(rng.uniform(-4.5, 1.5), 6), round(rng.uniform(46, 49), 6)]  # noqa: E731
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [\n')
        for i in range(n):
            feature = {
                "type": "Feature",
                "id": f"node/{i + 1}",
                "geometry": {"type": "Point", "coordinates": point()},
                "properties": {"shop": "bakery", "name": f"Boulangerie {i}", "addr:city": "Rennes"},
            }
            handle.write(("," if i else "") + json.dumps(feature, ensure_ascii=False) + "\n")
        handle.write("]}\n")
    log(f"generated {n:,} features into {path} ({path.stat().st_size / 1e6:,.0f} MB)")
    return path


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
