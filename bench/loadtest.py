"""Load test: the residents' traffic mix against the production server, step by step.

``make loadtest`` / ``python -m bench loadtest [--rows N]`` serves the bench database (the
synthetic listings of ``bench/synthetic.py``, 1,000,000 by default, kept when already
there) with gunicorn as ``make run`` does (``gunicorn.conf.py``: 2 × cores + 1 sync
workers, access log; ``DEBUG`` off; see ``bench.api.Server``), on 127.0.0.1 only, and
drives it with a closed-loop generator: at each step ``c`` clients each send a request,
wait for the whole answer, send the next. A step ends after ``LOADTEST_SECONDS`` (15 s)
or ``LOADTEST_MAX_REQUESTS`` (20,000) requests, whichever comes first; the steps are
``LOADTEST_STEPS`` (1,2,4,8,16 clients), after a 5 s warm-up that is not measured. The
whole run takes about two minutes.

The mix is the map's (``maps/static/maps/js``), drawn at random (seeded) per request:

- 40 % clusters (``/clusters/?in_bbox=…&zoom=z``) of a 1280 × 800 px viewport at zoom
  7 to 12 (the map asks for clusters below ``DETAIL_ZOOM`` = 13) around a city point,
  clipped to ``maps.views.SEARCH_BBOX`` as the map clips it;
- 30 % near me (``/businesses/?point=…&page_size=20``) at a city point;
- 20 % business detail (``/businesses/<id>/``) of a random published listing (a 1 %
  sample of the ids, spread over the table);
- 10 % commune autocomplete (``/communes/?q=…``): a prefix of 2 to 8 letters of a commune
  name, as typed (sometimes lower case, sometimes without accents).

City points are real commune centres drawn in proportion to their population, moved by
up to ~2 km: the traffic follows where people live, as the listings do.

Why a small threads generator and not locust: on this 2-core machine the generator
competes with gunicorn and PostgreSQL for the same cores, so it must be cheap and say
what it costs (its CPU share is printed per step). A thread per client blocked in
``http.client`` costs ~0.1 ms of CPU per request and needs no dependency, while locust
brings gevent (monkey-patching), Flask and a stats engine that rounds the percentiles;
here every latency is kept and the percentiles are exact. gunicorn's sync workers close
the connection after each response, so one connection per request (``Server.get``) is
what a browser gets too.

An error is any status other than 200 or an exception (timeout, refused connection); the
run must show none. The load average is printed before and after each step: other work
on the shared cores shows up there.
"""

from __future__ import annotations

import collections
import itertools
import math
import os
import random
import statistics
import threading
import time
import unicodedata
import urllib.parse

import django

from .api import Server
from .db import ROOT, connect, manage

DEFAULT_SIZES = (1_000_000,)  # the 1M synthetic listings; --rows N for another size
STEPS = [int(c) for c in os.environ.get("LOADTEST_STEPS", "1,2,4,8,16").split(",")]
STEP_SECONDS = float(os.environ.get("LOADTEST_SECONDS", "15"))
STEP_MAX_REQUESTS = int(os.environ.get("LOADTEST_MAX_REQUESTS", "20000"))
WARMUP_SECONDS = 5.0
P95_GOAL_MS = 100.0
MIX = {"clusters": 40, "near me": 30, "detail": 20, "autocomplete": 10}
ZOOMS = range(7, 13)  # below the map's DETAIL_ZOOM (maps/static/maps/js/mapview.js)
VIEWPORT_PX = (1280, 800)
LOG_FILE = ROOT / "bench-data" / "loadtest-gunicorn.log"


class Traffic:
    """Random requests of the residents' mix over the real communes and listings."""

    def __init__(self, conn, seed: int):
        self.rng = random.Random(seed)
        self.communes = conn.execute(
            "SELECT name, population, ST_X(centre), ST_Y(centre) FROM territory_commune"
            " WHERE centre IS NOT NULL AND population > 0"
        ).fetchall()
        self.weights = list(itertools.accumulate(c[1] for c in self.communes))
        self.ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM businesses_business TABLESAMPLE BERNOULLI (1) REPEATABLE (%s)"
                " WHERE status = 'published' AND merged_into_id IS NULL",
                [seed],
            )
        ]
        if not self.communes or not self.ids:
            raise SystemExit("the bench database has no communes or no published listings")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_directory.settings")
        django.setup()
        from maps.views import SEARCH_BBOX

        self.search_bbox = SEARCH_BBOX
        self.kinds, self.kind_weights = list(MIX), list(itertools.accumulate(MIX.values()))

    def _commune(self, rng):
        return rng.choices(self.communes, cum_weights=self.weights)[0]

    def _point(self, rng) -> tuple[float, float]:
        _, _, lon, lat = self._commune(rng)
        return lon + rng.uniform(-0.025, 0.025), lat + rng.uniform(-0.018, 0.018)

    def request(self, rng: random.Random) -> tuple[str, str]:
        kind = rng.choices(self.kinds, cum_weights=self.kind_weights)[0]
        if kind == "clusters":
            lon, lat = self._point(rng)
            zoom = rng.choice(ZOOMS)
            # Web Mercator: metres per pixel at this latitude, then the viewport in degrees.
            mpp = 156_543.03 * math.cos(math.radians(lat)) / 2**zoom
            half_w = VIEWPORT_PX[0] * mpp / 2 / (111_320 * math.cos(math.radians(lat)))
            half_h = VIEWPORT_PX[1] * mpp / 2 / 111_320
            # Clipped as the map clips it (mapview.js bbox()): never wider than the API takes.
            west, south, east, north = self.search_bbox
            box = (
                max(lon - half_w, west),
                max(lat - half_h, south),
                min(lon + half_w, east),
                min(lat + half_h, north),
            )
            bbox = ",".join(f"{v:.6f}" for v in box)
            return kind, f"/api/v1/clusters/?in_bbox={bbox}&zoom={zoom}"
        if kind == "near me":
            lon, lat = self._point(rng)
            return kind, f"/api/v1/businesses/?point={lon:.6f},{lat:.6f}&page_size=20"
        if kind == "detail":
            return kind, f"/api/v1/businesses/{rng.choice(self.ids)}/"
        name = self._commune(rng)[0]
        typed = name[: rng.randint(2, 8)]
        if rng.random() < 0.5:
            typed = typed.lower()
        if rng.random() < 0.3:
            typed = "".join(
                ch for ch in unicodedata.normalize("NFD", typed) if not unicodedata.combining(ch)
            )
        return kind, "/api/v1/communes/?" + urllib.parse.urlencode({"q": typed})


def drive(server: Server, traffic: Traffic, clients: int, seconds: float, max_requests: int):
    """``clients`` closed loops for ``seconds`` or ``max_requests``: the samples."""
    samples: list[tuple[str, float, bool]] = []
    failures: collections.Counter = collections.Counter()
    lock = threading.Lock()
    stop = threading.Event()
    deadline = time.monotonic() + seconds

    def client(index: int):
        rng = random.Random(f"{clients}-{index}")
        while not stop.is_set():
            kind, path = traffic.request(rng)
            started = time.perf_counter()
            try:
                status, body = server.get(path)
                ok = status == 200
                problem = None if ok else f"HTTP {status} {path} {body[:120]!r}"
            except Exception as exc:  # every failure counts, and is reported
                ok, problem = False, f"{type(exc).__name__}: {exc} ({path})"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                samples.append((kind, elapsed, ok))
                if problem:
                    failures[problem] += 1
                if len(samples) >= max_requests or time.monotonic() >= deadline:
                    stop.set()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    started = time.perf_counter()
    cpu = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return samples, failures, wall, (time.process_time() - cpu) / wall


def _pct(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def run(n: int, log=print) -> list[dict]:
    from .synthetic import populate, synthetic_count

    with connect() as conn:
        before = synthetic_count(conn)
    populate(n, log=log)
    with connect() as conn:
        cells = conn.execute("SELECT EXISTS (SELECT 1 FROM api_cluster_cell)").fetchone()[0]
    if before != n or not cells:
        log("  refreshing the precomputed clusters")
        manage("refresh_clusters")
    with connect() as conn:
        traffic = Traffic(conn, seed=n)
    log(
        f"  {len(traffic.communes)} communes, {len(traffic.ids):,} sampled listing ids;"
        f" steps {STEPS} clients, {STEP_SECONDS:.0f} s or {STEP_MAX_REQUESTS:,} requests each"
    )
    LOG_FILE.parent.mkdir(exist_ok=True)
    results = []
    with open(LOG_FILE, "wb") as server_log:
        server = Server(production=True, log=server_log)
        try:
            log(f"  gunicorn (gunicorn.conf.py) on 127.0.0.1:{server.port}, log in {LOG_FILE}")
            samples, failures, _, _ = drive(server, traffic, 4, WARMUP_SECONDS, STEP_MAX_REQUESTS)
            log(f"  warm-up: {len(samples)} requests, {sum(failures.values())} errors")
            for problem, count in failures.most_common(5):
                log(f"    {count} × {problem}")
            for clients in STEPS:
                load_before = _load()
                samples, failures, wall, cpu_share = drive(
                    server, traffic, clients, STEP_SECONDS, STEP_MAX_REQUESTS
                )
                ordered = sorted(ms for _, ms, _ in samples)
                by_kind = collections.defaultdict(list)
                for kind, ms, _ in samples:
                    by_kind[kind].append(ms)
                result = {
                    "n": n,
                    "clients": clients,
                    "requests": len(samples),
                    "rps": len(samples) / wall,
                    "p50": statistics.median(ordered),
                    "p95": _pct(ordered, 0.95),
                    "p99": _pct(ordered, 0.99),
                    "errors": sum(failures.values()),
                    "kind_p95": {k: _pct(sorted(v), 0.95) for k, v in by_kind.items()},
                    "client_cpu": cpu_share,
                    "load": f"{load_before} → {_load()}",
                }
                results.append(result)
                log(
                    f"  {clients:>2} clients: {result['requests']:,} requests,"
                    f" {result['rps']:.0f} req/s, p95 {result['p95']:.0f} ms,"
                    f" {result['errors']} errors, load {result['load']}"
                )
                for problem, count in failures.most_common(5):
                    log(f"    {count} × {problem}")
        finally:
            server.stop()
    return results


def table(results: list[dict]) -> str:
    kinds = list(MIX)
    header = (
        f"{'N':>9} | {'clients':>7} | {'requests':>8} | {'req/s':>6} | {'p50':>6} | "
        f"{'p95':>6} | {'p99':>6} | {'errors':>6} | "
        + " | ".join(f"p95 {k[:8]:<8}" for k in kinds)
        + f" | {'gen CPU':>7} | load 1/5/15 min before → after"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r['n']:>9,} | {r['clients']:>7} | {r['requests']:>8,} | {r['rps']:>6.1f} | "
            f"{r['p50']:>6.1f} | {r['p95']:>6.1f} | {r['p99']:>6.1f} | {r['errors']:>6} | "
            + " | ".join(f"{r['kind_p95'].get(k, float('nan')):>12.1f}" for k in kinds)
            + f" | {r['client_cpu']:>6.0%} | {r['load']}"
        )
    lines.append("(latencies in ms, whole request from the client: connect, send, full body)")
    for n in sorted({r["n"] for r in results}):
        rows = [r for r in results if r["n"] == n]
        errors = sum(r["errors"] for r in rows)
        requests = sum(r["requests"] for r in rows)
        passing = [r for r in rows if r["p95"] < P95_GOAL_MS and r["errors"] == 0]
        if passing:
            best = max(passing, key=lambda r: r["rps"])
            verdict = (
                f"highest sustained rate with p95 < {P95_GOAL_MS:.0f} ms: {best['rps']:.0f} req/s"
                f" ({best['clients']} clients, p95 {best['p95']:.0f} ms)"
            )
        else:
            verdict = f"no step kept p95 < {P95_GOAL_MS:.0f} ms without errors"
        lines.append(
            f"N = {n:,}: {verdict}; errors {errors} of {requests:,} requests"
            f" ({errors / max(requests, 1):.2%}) on {os.cpu_count()} CPUs"
        )
    return "\n".join(lines)
