"""Load test: residents' sessions driven by ``wrk`` against gunicorn, with and without nginx.

Why one module of about 600 lines: the visits replay the map's own requests (its Web
Mercator views, the same clipping and zoom rules as ``maps/static/maps/js``), and those,
the ``wrk`` script written from them and the servers measured are one experiment that is
read and changed together.

``make loadtest`` / ``python -m bench loadtest [--rows N]`` serves the bench database (the
synthetic listings of ``bench/synthetic.py``, 1,000,000 by default, kept when already
there) with gunicorn (``gunicorn.conf.py`` plus the settings of each configuration below,
``DEBUG`` off), on 127.0.0.1 only, and drives it with ``wrk`` (a C client: the former
Python generator read 10-15 % low at saturation) through a Lua script this module writes.

**The mix** is a resident's real visit, built from the map's code (``maps/static/maps/js``)
and replayed URL for URL (``Sessions``), seeded:

1. the home page (HTML) and, on a first visit (``FIRST_VISIT`` = 35 % of visits: the
   others have them in the browser's cache), every static file it links
   (``maps/templates/maps/home.html``: Leaflet's CSS and script, ``maps.css``, the page's
   modules), read from the page the server returns;
2. the first view: Leaflet fits the region in the map element (a few common sizes,
   ``VIEWPORTS``), then ``refresh()`` asks ``businesses/?in_bbox=…&point=<centre>&
   page_size=50`` and ``clusters/?in_bbox=…&zoom=z`` (below ``DETAIL_ZOOM`` = 13), the
   box aligned on the tiles of its zoom and clipped to ``SEARCH_BBOX``, the point the
   aligned box's centre, as ``tiles.js`` writes them (``grid_view``), then, on a wide
   screen only, the chips' ``categories/counts/?in_bbox=…`` (every category's count in
   the same box): on a phone (``PHONE_MAX_WIDTH``, the CSS breakpoint) the chips are in
   the « Filtres » sheet and ``home.js`` asks their counts only while it is open;
3. then either (``COMMUNE_SEARCH`` = 60 %) the commune search: 1 to 3 autocomplete
   lookups ``communes/?q=`` of what was typed so far (debounced), the commune chosen
   (population-weighted) gets its outline ``communes/<insee>/`` and the view fits its
   bounding box, with that view's refresh; or "autour de moi": ``businesses/?point=…&
   page_size=8``, then the refresh of a view at zoom 15-16 around that point (at zoom
   ≥ 13 a refresh is ``businesses/?…&page_size=200``, without clusters);
4. 1 to 4 moves (pan by up to half the view, or zoom in/out by one), each a refresh;
   then on a phone, in ``PHONE_FILTERS`` = 25 % of visits, the « Filtres » sheet opened
   once: the counts of the view on screen (the one request the phone asks for its chips;
   the share is our guess, the desktop's requests are the client's own);
5. 0 to 2 business details ``businesses/<id>/`` (a 1 % sample of published listings),
   each followed by the shop's own page ``/commerces/<id>-<slug>/`` (« Voir la fiche »)
   in ``SHOP_PAGE`` = 30 % of cases.

The shares of each kind of request that result are printed with the run (at 1M: 5 %
HTML, 32 % static files, 21 % listings, 15 % chip counts, 11 % clusters, 6 % autocomplete,
3 % outlines, 5 % details, 2 % near me, 1 % shop pages; chip counts were 20 % before the
phone kept them for its open sheet, 85,276 requests instead of 89,408 for 4,000 visits).
The first view and the chosen communes' views are the same URLs for every visitor with
the same map size: what a shared cache can absorb; pans and "around me" are unique.
Every step replays a different stretch of the visits (the same stretches for every
configuration), so the cache starts each step cold for the unique URLs.

**Each configuration** (``CONFIGS``; ``LOADTEST_CONFIGS=1,4`` picks some) is a fresh
gunicorn (and, for the last two, an nginx from ``deploy/nginx.conf.template`` in front of
the same gunicorn setup, ``deploy/nginx.py``): the sync workers of before, gthread without
and with the workers' response cache (``geo_directory/caching.py``), nginx in front with
the map's requests aligned on the tile grid (``maps/static/maps/js/tiles.js``) and, to
measure what the alignment gives, with the exact views the map asked before. Each has a
3 s warm-up, then the steps ``LOADTEST_STEPS``
(1,2,4,8,12,16 connections: 12 between the two where the p95 crosses 100 ms on
these cores; wrk threads = min(2, connections)) of ``LOADTEST_SECONDS`` (8 s)
each; ``LOADTEST_SKIP=html`` leaves kinds of request out of the visits. Per step:
requests/s, p50/p95/p99 (wrk's own latency record: from the request's
first byte to the response's last; the connection is opened before, once per request with
sync workers, which close it), errors (non-2xx/3xx statuses and socket errors), the CPU
per request of the PostgreSQL processes, of the gunicorn processes, of nginx and of wrk
itself (utime + stime from ``/proc/<pid>/stat``, reaped children's included, before and
after the step, divided by the requests), nginx's cache hit ratio
(``$upstream_cache_status`` of its access log; the static files nginx reads itself, FILE,
count as hits) and the load average; the summary gives each
configuration's best step with p95 < 100 ms, its CPU per request and the hit ratios per kind,
and the mix line the share of URLs asked before (a cache's ceiling, whatever the speed).
The five configurations take about seven minutes.

Before the configurations, ``in_process`` replays the API requests of 600 visits through
Django's test client with the workers' response cache off and on, and prints the Python
and PostgreSQL CPU per request, in all and per kind (PostgreSQL's: its own backend's only, not
what else the cluster serves; ``LOADTEST_IN_PROCESS=0`` skips it).

The machine has 2 cores shared with other work: absolute figures follow the load average
printed beside them; compare configurations within one run.
"""

from __future__ import annotations

import collections
import decimal
import itertools
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from deploy.nginx import Nginx, children, free_port

from .db import BENCH_DB, ROOT, connect, django_env, manage

DEFAULT_SIZES = (1_000_000,)  # the 1M synthetic listings; --rows N for another size
STEPS = [int(c) for c in os.environ.get("LOADTEST_STEPS", "1,2,4,8,12,16").split(",")]
STEP_SECONDS = int(os.environ.get("LOADTEST_SECONDS", "8"))
WARMUP_SECONDS = 3
P95_GOAL_MS = 100.0
LOG_FILE = ROOT / "bench-data" / "loadtest-gunicorn.log"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The map element's size in CSS px (desktop list + map side by side, phones full width)
# and how often: the first view depends on it only.
VIEWPORTS = [
    ((1180, 800), 30),
    ((900, 560), 25),
    ((1000, 640), 15),
    ((390, 560), 20),
    ((412, 640), 10),
]
FIRST_VISIT = 0.35
# A map at most this wide is a phone's (maps.css's breakpoint: the chips in a sheet).
PHONE_MAX_WIDTH = 760
PHONE_FILTERS = 0.25  # phone visits that open the « Filtres » sheet (once, after moving)
COMMUNE_SEARCH = 0.60
DETAIL_ZOOM = 13  # maps/static/maps/js/mapview.js
LIST_SIZE, MAX_MARKERS, NEAREST_TO_FIT = 50, 200, 8  # maps/static/maps/js/home.js
MIN_ZOOM, MAX_ZOOM = 6, 19
SHOP_PAGE = 0.3  # a detail followed by « Voir la fiche »: the shop's own page (HTML)
SESSIONS = int(os.environ.get("LOADTEST_SESSIONS", "4000"))
# Kinds of request left out of the visits, e.g. LOADTEST_SKIP=html to compare servers
# without the home page's own cost dominating.
SKIP = {k for k in os.environ.get("LOADTEST_SKIP", "").split(",") if k}


@dataclass
class Config:
    name: str
    gunicorn: dict
    nginx: bool = False
    # The map's requests aligned on the tile grid (tiles.js); False: as the map asked them
    # before, the exact view (to measure what the alignment gives a shared cache).
    aligned: bool = True


SYNC = {"worker_class": "sync", "workers": 5, "accesslog": "-"}
# The workers' in-memory cache of public API answers off: gunicorn.conf.py before it.
NO_RESPONSE_CACHE = {"raw_env": ["API_RESPONSE_CACHE_SECONDS=0"]}
CONFIGS = [
    Config("sync 5, access log (before)", SYNC),
    Config("gthread 2x8, no response cache", NO_RESPONSE_CACHE),
    Config("gunicorn.conf.py as served (gthread 2x8 + response cache)", {}),
    Config("nginx + gunicorn.conf.py", {}, nginx=True),
    Config("nginx, map requests not aligned (before tiles.js)", {}, nginx=True, aligned=False),
]


# --- Leaflet's Web Mercator, as fitBounds / getBounds compute a view ---------------------


def _project(lon: float, lat: float, z: float) -> tuple[float, float]:
    scale = 256 * 2**z
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * scale, (0.5 - y / (2 * math.pi)) * scale


def _unproject(x: float, y: float, z: float) -> tuple[float, float]:
    scale = 256 * 2**z
    lat = math.degrees(2 * math.atan(math.exp((0.5 - y / scale) * 2 * math.pi)) - math.pi / 2)
    return x / scale * 360 - 180, lat


def fit(box, size, max_zoom=MAX_ZOOM) -> tuple[float, float, int]:
    """``map.fitBounds(box)``: centre (lon, lat) and the largest whole zoom that shows it."""
    west, south, east, north = box
    x0, y0 = _project(west, north, 0)
    x1, y1 = _project(east, south, 0)
    z = math.floor(math.log2(min(size[0] / max(x1 - x0, 1e-9), size[1] / max(y1 - y0, 1e-9))))
    z = max(MIN_ZOOM, min(max_zoom, z))
    lon, lat = _unproject((x0 + x1) / 2, (y0 + y1) / 2, 0)
    return lon, lat, z


def js_fixed(value: float, digits: int) -> str:
    """JavaScript's ``Number.prototype.toFixed``: half away from zero on the exact binary
    value (Python's format rounds half to even: 0.703125 gives 0.70312, JS 0.70313)."""
    text = decimal.Decimal(value).quantize(
        decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP
    )
    return f"{text:f}"


def _tile_x(lon: float, z: int) -> float:
    return (lon + 180) / 360 * 2**z


def _tile_y(lat: float, z: int) -> float:
    phi = lat * math.pi / 180
    return (1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * 2**z


def _tile_lon(x: int, z: int) -> float:
    return x / 2**z * 360 - 180


def _tile_lat(y: int, z: int) -> float:
    return math.atan(math.sinh(math.pi - 2 * math.pi * y / 2**z)) * 180 / math.pi


def view_bbox(lon, lat, z, size, search_bbox) -> tuple[str, tuple[float, float]] | None:
    """The map's requests before tiles.js: the exact view clipped to where listings can
    be, 5 decimals, and the view's centre."""
    x, y = _project(lon, lat, z)
    west, north = _unproject(x - size[0] / 2, y - size[1] / 2, z)
    east, south = _unproject(x + size[0] / 2, y + size[1] / 2, z)
    sw, ss, se, sn = search_bbox
    box = [max(west, sw), max(south, ss), min(east, se), min(north, sn)]
    if box[0] >= box[2] or box[1] >= box[3]:
        return None
    return ",".join(js_fixed(v, 5) for v in box), (lon, lat)


def grid_view(lon, lat, z, size, search_bbox) -> tuple[str, tuple[float, float]] | None:
    """``alignedView()`` of maps/static/maps/js/tiles.js: the view widened to the tiles of
    zoom ``z`` that cover it, clipped to where listings can be, 5 decimals; and its
    centre (6 decimals), the listings' reference point without "autour de moi"."""
    x, y = _project(lon, lat, z)
    west, north = _unproject(x - size[0] / 2, y - size[1] / 2, z)
    east, south = _unproject(x + size[0] / 2, y + size[1] / 2, z)
    text = grid_bbox((west, south, east, north), z, search_bbox)
    if text is None:
        return None
    w, s, e, n = (float(v) for v in text.split(","))
    return text, (float(js_fixed((w + e) / 2, 6)), float(js_fixed((s + n) / 2, 6)))


def grid_bbox(bounds, z: int, search_bbox) -> str | None:
    """``gridBbox()`` of tiles.js: ``bounds`` (west, south, east, north) widened to the
    tiles of zoom ``z``, clipped to ``search_bbox``, as the API's ``in_bbox``."""
    west, south, east, north = bounds
    sw, ss, se, sn = search_bbox
    box = [
        max(_tile_lon(math.floor(_tile_x(west, z)), z), sw),
        max(_tile_lat(math.ceil(_tile_y(south, z)), z), ss),
        min(_tile_lon(math.ceil(_tile_x(east, z)), z), se),
        min(_tile_lat(math.floor(_tile_y(north, z)), z), sn),
    ]
    if box[0] >= box[2] or box[1] >= box[3]:
        return None
    return ",".join(js_fixed(v, 5) for v in box)


class Sessions:
    """Residents' visits, URL by URL, as the map's scripts make them (seeded)."""

    def __init__(self, conn, seed: int, statics: list[str], aligned: bool = True):
        from geo_directory.shops.paths import shop_path
        from maps.views import REGION_BOUNDS, SEARCH_BBOX

        self.shop_path = shop_path
        self.view = grid_view if aligned else view_bbox
        self.rng = random.Random(seed)
        self.statics = statics
        self.search_bbox = SEARCH_BBOX
        (south, west), (north, east) = REGION_BOUNDS
        self.region = (west, south, east, north)
        self.communes = conn.execute(
            "SELECT code, name, population, ST_X(centre), ST_Y(centre), ST_XMin(b), ST_YMin(b),"
            " ST_XMax(b), ST_YMax(b) FROM (SELECT *, boundary::box2d AS b"
            " FROM territory_commune) c"
            " WHERE centre IS NOT NULL AND boundary IS NOT NULL AND population > 0"
        ).fetchall()
        self.weights = list(itertools.accumulate(c[2] for c in self.communes))
        self.listings = conn.execute(
            "SELECT id, name FROM businesses_business TABLESAMPLE BERNOULLI (1) REPEATABLE (%s)"
            " WHERE status = 'published' AND merged_into_id IS NULL",
            [seed],
        ).fetchall()
        if not self.communes or not self.listings:
            raise SystemExit("the bench database has no communes or no published listings")
        sizes, size_weights = zip(*VIEWPORTS, strict=True)
        self.sizes, self.size_weights = sizes, list(itertools.accumulate(size_weights))

    @staticmethod
    def _api(path: str, params: dict | None = None) -> str:
        query = urllib.parse.urlencode(params) if params else ""
        return f"/api/v1/{path}" + (f"?{query}" if query else "")

    def _refresh(self, lon, lat, z, size, reference=None, chips=None) -> list[tuple[str, str]]:
        """``refresh()`` of home.js for a view; ``chips``: whether they can be seen (by
        default on a wide screen only)."""
        aligned = self.view(lon, lat, z, size, self.search_bbox)
        if aligned is None:
            return []
        box, centre = aligned
        ref = reference or centre
        detailed = z >= DETAIL_ZOOM
        point = f"{js_fixed(ref[0], 6)},{js_fixed(ref[1], 6)}"
        page_size = MAX_MARKERS if detailed else LIST_SIZE
        out = [
            (
                "listing",
                self._api("businesses/", {"in_bbox": box, "point": point, "page_size": page_size}),
            )
        ]
        if not detailed:
            out.append(("clusters", self._api("clusters/", {"in_bbox": box, "zoom": z})))
        # askCounts(): every category's count in the view, the chips' (after the list),
        # when the chips can be seen.
        if chips is None:
            chips = size[0] > PHONE_MAX_WIDTH
        if chips:
            out.append(("counts", self._api("categories/counts/", {"in_bbox": box})))
        return out

    def _counts(self, lon, lat, z, size) -> list[tuple[str, str]]:
        """The phone's « Filtres » opened: the chips' counts of the view on screen."""
        return [r for r in self._refresh(lon, lat, z, size, chips=True) if r[0] == "counts"]

    def _typed(self, name: str) -> list[str]:
        rng = self.rng
        lengths = range(2, min(len(name), 10) + 1)
        picks = sorted(rng.sample(list(lengths), min(len(lengths), rng.choice([1, 2, 2, 3]))))
        out = []
        for n in picks:
            typed = name[:n]
            if rng.random() < 0.5:
                typed = typed.lower()
            if rng.random() < 0.3:
                typed = "".join(
                    c for c in unicodedata.normalize("NFD", typed) if not unicodedata.combining(c)
                )
            out.append(typed)
        return out

    def visit(self) -> list[tuple[str, str]]:
        rng = self.rng
        size = rng.choices(self.sizes, cum_weights=self.size_weights)[0]
        out = [("html", "/")]
        if rng.random() < FIRST_VISIT:
            out += [("static", path) for path in self.statics]
        lon, lat, z = fit(self.region, size)
        out += self._refresh(lon, lat, z, size)
        reference = None
        if rng.random() < COMMUNE_SEARCH:
            commune = rng.choices(self.communes, cum_weights=self.weights)[0]
            code, name = commune[0], commune[1]
            out += [("autocomplete", self._api("communes/", {"q": q})) for q in self._typed(name)]
            out.append(("outline", self._api(f"communes/{code}/")))
            lon, lat, z = fit(commune[5:9], size)
        else:
            commune = rng.choices(self.communes, cum_weights=self.weights)[0]
            me = (commune[3] + rng.uniform(-0.025, 0.025), commune[4] + rng.uniform(-0.018, 0.018))
            point = f"{js_fixed(me[0], 6)},{js_fixed(me[1], 6)}"
            near = {"point": point, "page_size": NEAREST_TO_FIT}
            out.append(("near me", self._api("businesses/", near)))
            reference, (lon, lat), z = me, me, rng.choice([15, 16])
        out += self._refresh(lon, lat, z, size, reference)
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.5:
                z = max(MIN_ZOOM, min(MAX_ZOOM, z + rng.choice([-1, 1])))
            else:
                x, y = _project(lon, lat, z)
                x += rng.uniform(-0.5, 0.5) * size[0]
                y += rng.uniform(-0.5, 0.5) * size[1]
                lon, lat = _unproject(x, y, z)
            out += self._refresh(lon, lat, z, size, reference)
        if size[0] <= PHONE_MAX_WIDTH and rng.random() < PHONE_FILTERS:
            out += self._counts(lon, lat, z, size)
        for _ in range(rng.choice([0, 1, 1, 2])):
            pk, name = rng.choice(self.listings)
            out.append(("detail", self._api(f"businesses/{pk}/")))
            if rng.random() < SHOP_PAGE:
                out.append(("shop", self.shop_path(pk, name)))
        return out


LUA = """-- Generated by bench/loadtest.py: residents' visits, replayed in order, one stretch per
-- step (wrk ... -- <offset> <threads>). Each wrk thread starts at its own place.
local paths = {
%(paths)s
}
local n = #paths
local i = 0
local next_tid = 0
wrk.headers["Accept"] = "*/*"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
wrk.headers["Accept-Language"] = "fr-FR,fr;q=0.9,en;q=0.5"

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

function init(args)
  local offset = tonumber(args[1]) or 0
  local threads = tonumber(args[2]) or 1
  i = offset + tid * math.floor(%(stretch)d / threads)
end

function request()
  i = i + 1
  return wrk.format(nil, paths[(i %% n) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADTEST {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d,'
    .. ' "status": %%d, "timeout": %%d, "p50": %%d, "p95": %%d, "p99": %%d, "max": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def repeats(mix: list[tuple[str, str]]) -> str:
    """Per kind, the share of requests whose URL came earlier in the mix: what a URL-keyed
    cache that forgot nothing would answer (nginx's measured ratio also depends on how
    many requests a step replays, so on the machine's speed)."""
    seen: set[str] = set()
    counts = collections.defaultdict(lambda: [0, 0])
    for kind, path in mix:
        counts[kind][0] += path in seen
        counts[kind][1] += 1
        seen.add(path)
    kinds = ("listing", "clusters", "counts", "outline", "autocomplete")
    return "URLs already asked: " + ", ".join(
        f"{k} {counts[k][0] / counts[k][1]:.0%}" for k in kinds if counts[k][1]
    )


def write_lua(paths: list[str], stretch: int, path: Path) -> None:
    for p in paths:
        if not re.fullmatch(r"[\x21-\x7e]+", p) or '"' in p or "\\" in p:
            raise ValueError(f"not a plain URL path: {p!r}")
    body = ",\n".join(f'"{p}"' for p in paths)
    path.write_text(LUA % {"paths": body, "stretch": stretch})


# --- CPU time of process trees -------------------------------------------------------------


def _cpu_ticks(pid: int, with_children_reaped: bool = True) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    # utime stime cutime cstime: fields 14-17 of proc(5), 12-15 after "pid (comm) ".
    own = int(fields[11]) + int(fields[12])
    return own + (int(fields[13]) + int(fields[14]) if with_children_reaped else 0)


def tree_cpu(root: int) -> float:
    """Seconds of CPU of ``root`` and its live children, reaped children included."""
    return (_cpu_ticks(root) + sum(_cpu_ticks(p) for p in children(root))) / CLK_TCK


def postmaster_pid() -> int:
    """The bench cluster's postmaster: the one PGHOST points at (not always this checkout's)."""
    with connect() as conn:
        data = conn.execute("SHOW data_directory").fetchone()[0]
    return int((Path(data) / "postmaster.pid").read_text().split()[0])


# --- the servers ----------------------------------------------------------------------------


class Gunicorn:
    """gunicorn.conf.py with ``overrides``, on a free port of 127.0.0.1."""

    def __init__(self, overrides: dict, log, workdir: Path):
        # LOADTEST_PORT: a fixed port (e.g. the one a shared machine assigned), else a free one.
        self.port = int(os.environ.get("LOADTEST_PORT") or 0) or free_port()
        conf = workdir / "gunicorn-loadtest.conf.py"
        lines = [
            "# gunicorn.conf.py, then the configuration under test (bench/loadtest.py).",
            f"exec(compile(open({str(ROOT / 'gunicorn.conf.py')!r}).read(),"
            " 'gunicorn.conf.py', 'exec'))",
            *(f"{key} = {value!r}" for key, value in overrides.items()),
        ]
        conf.write_text("\n".join(lines) + "\n")
        env = django_env()
        env.update(DEBUG="0", HOST="127.0.0.1", PORT=str(self.port))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "geo_directory.wsgi:application", "-c", str(conf)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/categories/", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def home_statics(url: str) -> list[str]:
    """The static files the home page links (stylesheets, scripts, module preloads)."""
    with urllib.request.urlopen(url + "/", timeout=30) as response:
        html = response.read().decode()
    found = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    return list(dict.fromkeys(found))


def kind_of(uri: str) -> str:
    """The kind of request of a URI of the mix (for the hit ratio per kind)."""
    path, _, query = uri.partition("?")
    if path == "/":
        return "html"
    if path.startswith("/static/"):
        return "static"
    if path.startswith("/commerces/"):
        return "shop"
    if path.startswith("/api/v1/clusters/"):
        return "clusters"
    if path == "/api/v1/categories/counts/":
        return "counts"
    if path.startswith("/api/v1/communes/"):
        return "autocomplete" if path == "/api/v1/communes/" else "outline"
    if path == "/api/v1/businesses/":
        return "listing" if "in_bbox" in query else "near me"
    return "detail" if path.startswith("/api/v1/businesses/") else "other"


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def wrk(url: str, script: Path, clients: int, seconds: int, offset: int) -> dict:
    threads = min(2, clients)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [WRK, f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s"]
        + ["-s", str(script), url, "--", str(offset), str(threads)],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in done.stdout.splitlines() if x.startswith("LOADTEST ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {done.stdout}\n{done.stderr}")
    out = json.loads(line.removeprefix("LOADTEST "))
    out["wrk_cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out


def step(target: str, script: Path, clients: int, offset: int, pids: dict, proxy=None) -> dict:
    cpu_before = {name: tree_cpu(pid) for name, pid in pids.items()}
    if proxy:
        nginx_before = sum(_cpu_ticks(p) for p in proxy.pids()) / CLK_TCK
        logged_before = len(proxy.cache_log())
    load_before = _load()
    out = wrk(target, script, clients, STEP_SECONDS, offset)
    requests = max(out["requests"], 1)
    result = {
        "clients": clients,
        "requests": out["requests"],
        "rps": out["requests"] / (out["duration_us"] / 1e6),
        "p50": out["p50"] / 1000,
        "p95": out["p95"] / 1000,
        "p99": out["p99"] / 1000,
        "errors": sum(out[k] for k in ("connect", "read", "write", "status", "timeout")),
        "status_errors": out["status"],
        "wrk_ms": out["wrk_cpu"] * 1000 / requests,
        "load": f"{load_before} → {_load()}",
    }
    for name, pid in pids.items():
        result[f"{name}_ms"] = (tree_cpu(pid) - cpu_before[name]) * 1000 / requests
    if proxy:
        result["nginx_ms"] = (
            (sum(_cpu_ticks(p) for p in proxy.pids()) / CLK_TCK - nginx_before) * 1000 / requests
        )
        time.sleep(1.2)  # the access log is flushed every second
        entries = proxy.cache_log()[logged_before:]
        statuses = collections.Counter(status for status, _ in entries)
        # Answered by nginx alone: from its cache, or a file it read (FILE: /static/, photos).
        result["hit"] = (statuses["HIT"] + statuses["FILE"]) / max(len(entries), 1)
        result["cache"] = dict(statuses.most_common())
        by_kind = collections.defaultdict(collections.Counter)
        for status, uri in entries:
            by_kind[kind_of(uri)][status in ("HIT", "FILE")] += 1
        result["kind_hits"] = {k: c[True] / (c[True] + c[False]) for k, c in by_kind.items()}
    return result


IN_PROCESS_VISITS = 600


def in_process(n: int, log=print) -> None:
    """CPU per API request of the mix in this process (Django's test client, no socket):
    the workers' response cache off, then on with a window that holds the whole replay
    (as launch day's volume fills 10 s). Python CPU of this process, PostgreSQL's of this
    connection's own backend (``/proc/<pid>/stat``: other work on the cluster does not
    count), in all and per kind of request; independent of wrk and of how many requests a
    step replays."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    if connection.settings_dict["NAME"] != BENCH_DB:
        log(
            f"  in-process CPU per request skipped: Django is on {connection.settings_dict['NAME']}"
        )
        return
    with connect() as conn:
        sessions = Sessions(conn, n, [])
    urls = [p for _ in range(IN_PROCESS_VISITS) for k, p in sessions.visit() if k not in SKIP]
    urls = [p for p in urls if p.startswith("/api/")]
    kept = settings.API_RESPONSE_CACHE_SECONDS
    try:
        for ttl in (0, 3600):
            settings.API_RESPONSE_CACHE_SECONDS = ttl
            client = Client(HTTP_HOST="127.0.0.1")
            for url in urls[:50]:
                client.get(url)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend = cursor.fetchone()[0]
            hits = 0
            per_kind = collections.defaultdict(lambda: [0, 0.0, 0.0])  # requests, Python, PG
            for url in urls:
                pg_before, cpu_before = _cpu_ticks(backend, False), time.process_time()
                hits += client.get(url).get("X-Sn-Cache") == "hit"
                kind = per_kind[kind_of(url)]
                kind[0] += 1
                kind[1] += time.process_time() - cpu_before
                kind[2] += (_cpu_ticks(backend, False) - pg_before) / CLK_TCK
            python_ms = sum(k[1] for k in per_kind.values()) * 1000 / len(urls)
            pg_ms = sum(k[2] for k in per_kind.values()) * 1000 / len(urls)
            log(
                f"  in process, {len(urls):,} API requests of {IN_PROCESS_VISITS} visits,"
                f" response cache {'on' if ttl else 'off'}: {hits / len(urls):.0%} from memory,"
                f" CPU/req Python {python_ms:.2f} + PostgreSQL {pg_ms:.2f} ms, load {_load()}"
            )
            log(
                "    per kind (share, Python + PostgreSQL ms/req): "
                + ", ".join(
                    f"{kind} {k[0] / len(urls):.0%} {k[1] * 1000 / k[0]:.2f}"
                    f" + {k[2] * 1000 / k[0]:.2f}"
                    for kind, k in sorted(per_kind.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))
                )
            )
    finally:
        settings.API_RESPONSE_CACHE_SECONDS = kept


def run(n: int, log=print) -> list[dict]:
    from .synthetic import populate, synthetic_count

    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed (scripts/system-deps.sh installs it)")
    with connect() as conn:
        before = synthetic_count(conn)
    populate(n, log=log)
    with connect() as conn:
        cells = conn.execute("SELECT EXISTS (SELECT 1 FROM api_cluster_cell)").fetchone()[0]
    if before != n or not cells:
        log("  refreshing the precomputed clusters")
        manage("refresh_clusters")
    os.environ.update(django_env())  # this process's Django on the bench database too
    import django

    django.setup()
    if os.environ.get("LOADTEST_IN_PROCESS", "1") == "1":
        in_process(n, log)
    chosen = os.environ.get("LOADTEST_CONFIGS")
    configs = [CONFIGS[int(i) - 1] for i in chosen.split(",")] if chosen else CONFIGS
    LOG_FILE.parent.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="sn-loadtest-"))
    results = []
    pg = postmaster_pid()
    scripts: dict[bool, tuple[Path, int]] = {}
    try:
        with open(LOG_FILE, "wb") as server_log:
            for config in configs:
                server = Gunicorn(config.gunicorn, server_log, workdir)
                proxy = None
                try:
                    if config.aligned not in scripts:
                        script = workdir / f"mix-{'aligned' if config.aligned else 'exact'}.lua"
                        with connect() as conn:
                            sessions = Sessions(
                                conn, n, home_statics(server.url), aligned=config.aligned
                            )
                        visits = [sessions.visit() for _ in range(SESSIONS)]
                        mix = [r for visit in visits for r in visit if r[0] not in SKIP]
                        stretch = len(mix) // (len(STEPS) + 1)
                        write_lua([path for _, path in mix], stretch, script)
                        scripts[config.aligned] = script, stretch
                        kinds = collections.Counter(kind for kind, _ in mix)
                        log(
                            f"  mix of {SESSIONS:,} visits"
                            f" ({'aligned on tiles' if config.aligned else 'exact views'}),"
                            f" {len(mix):,} requests ({len(mix) / SESSIONS:.1f} per visit): "
                            + ", ".join(f"{k} {c / len(mix):.0%}" for k, c in kinds.most_common())
                            + f"; {len(set(p for _, p in mix)):,} distinct URLs; "
                            + repeats(mix)
                        )
                    script, stretch = scripts[config.aligned]
                    target = server.url
                    if config.nginx:
                        from geo_directory.caching import private_cookies

                        upstream = f"127.0.0.1:{server.port}"
                        proxy = Nginx(upstream, private_cookies=private_cookies()).start()
                        target = proxy.url
                    pids = {"pg": pg, "gunicorn": server.proc.pid}
                    log(f"  [{config.name}] {config.gunicorn}, load {_load()}")
                    wrk(target, script, 4, WARMUP_SECONDS, len(STEPS) * stretch)
                    for index, clients in enumerate(STEPS):
                        result = step(target, script, clients, index * stretch, pids, proxy)
                        result.update(n=n, config=config.name)
                        results.append(result)
                        hit = ""
                        if proxy:
                            kinds = sorted(result["kind_hits"].items())
                            hit = (
                                f", cache hits {result['hit']:.0%} ("
                                + ", ".join(f"{k} {v:.0%}" for k, v in kinds)
                                + ")"
                            )
                        log(
                            f"    {clients:>2} conn: {result['requests']:,} req,"
                            f" {result['rps']:.0f} req/s, p95 {result['p95']:.0f} ms,"
                            f" {result['errors']} errors, CPU/req pg {result['pg_ms']:.2f}"
                            f" + gunicorn {result['gunicorn_ms']:.2f} ms{hit},"
                            f" load {result['load']}"
                        )
                finally:
                    if proxy:
                        proxy.stop()
                    server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def table(results: list[dict]) -> str:
    header = (
        f"{'configuration':<22} | {'conn':>4} | {'requests':>8} | {'req/s':>6} | {'p50':>6} | "
        f"{'p95':>6} | {'p99':>6} | {'errors':>6} | {'CPU pg':>6} | {'gunicn':>6} | "
        f"{'nginx':>6} | {'wrk':>5} | {'hits':>4} | load 1/5/15 min before → after"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        hits = f"{r['hit']:.0%}" if "hit" in r else "-"
        lines.append(
            f"{r['config']:<22} | {r['clients']:>4} | {r['requests']:>8,} | {r['rps']:>6.1f} | "
            f"{r['p50']:>6.1f} | {r['p95']:>6.1f} | {r['p99']:>6.1f} | {r['errors']:>6} | "
            f"{r['pg_ms']:>6.2f} | {r['gunicorn_ms']:>6.2f} | {r.get('nginx_ms', 0):>6.2f} | "
            f"{r['wrk_ms']:>5.2f} | {hits:>4} | {r['load']}"
        )
    lines.append(
        "(latencies in ms from wrk; CPU in ms per request: PostgreSQL processes, gunicorn"
        " arbiter + workers, nginx, wrk)"
    )
    lines.append(
        f"The {os.cpu_count()} cores are shared with whatever else runs (load average above):"
        " compare configurations of the same run, not figures of different runs."
    )
    for name in dict.fromkeys(r["config"] for r in results):
        rows = [r for r in results if r["config"] == name]
        passing = [r for r in rows if r["p95"] < P95_GOAL_MS and r["errors"] == 0]
        errors = sum(r["errors"] for r in rows)
        requests = sum(r["requests"] for r in rows)
        if passing:
            best = max(passing, key=lambda r: r["rps"])
            verdict = (
                f"{best['rps']:.0f} req/s at p95 {best['p95']:.0f} ms ({best['clients']} conn,"
                f" CPU/req PostgreSQL {best['pg_ms']:.2f} + gunicorn {best['gunicorn_ms']:.2f}"
                f" + nginx {best.get('nginx_ms', 0):.2f} + wrk {best['wrk_ms']:.2f} ms,"
                f" load {best['load']})"
            )
        else:
            verdict = f"no step with p95 < {P95_GOAL_MS:.0f} ms without errors"
        lines.append(
            f"{name}: best with p95 < {P95_GOAL_MS:.0f} ms: {verdict};"
            f" errors {errors} of {requests:,} on {os.cpu_count()} CPUs (N = {rows[0]['n']:,})"
        )
        hits = collections.defaultdict(list)
        for r in rows:
            for kind, ratio in r.get("kind_hits", {}).items():
                hits[kind].append(ratio)
        if hits:
            lines.append(
                f"  {name}: nginx hit ratio per kind over the steps: "
                + ", ".join(f"{k} {sum(v) / len(v):.0%}" for k, v in sorted(hits.items()))
            )
    return "\n".join(lines)
