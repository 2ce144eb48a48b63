"""Server-side clusters: a zoomed-out map never receives more than a few hundred points.

Listings are grouped on a square Lambert-93 grid whose cell is about 60 screen pixels at
the requested zoom, and never smaller than the viewport split in ``MAX_CELLS`` cells: a
response has at most a few hundred features whatever the zoom and the viewport.

Two ways to compute the same grouping:

- **live**: the filtered listings (every filter of /businesses/, on their indexes) are
  grouped in one SQL pass (``BusinessQuerySet.grid_clusters``). Exact, always fresh, and
  fast while the viewport holds up to some tens of thousands of listings.
- **precomputed**: for a big directory (more than ``PRECOMPUTED_MIN_ROWS`` listings) seen
  from far (a cell of 500 m or more), with no filter other than ``in_bbox`` and
  ``category``, the counts come from ``api_cluster_cell`` (per cell of 500 m, 2 km, 8 km
  or 32 km and per category, refreshed by ``manage.py refresh_clusters``): the whole
  region at a million listings costs a few thousand index rows instead of a million.
  Without a category filter the same cells come from ``api_cluster_cell_all`` (one row
  per cell, the sum over its categories, refreshed with it): a view of the whole map
  reads one row per cell instead of one per cell and category.
  A cell is taken whole when it touches the viewport, so a cluster at the edge may count
  listings just outside it; counts lag the listings until the next refresh.

The response says which one answered (``"mode"``).
"""

from __future__ import annotations

import math
import time

from django.db import connection, transaction

from geo_directory.postgis.l93 import envelope, transformer
from geo_directory.postgis.router import reads

from . import params

LEVELS = (500, 2000, 8000, 32000)  # the grids of api_cluster_cell, in metres
MAX_CELLS = 300  # at most ~this many cells over the viewport (plus its edges)
PIXELS_PER_CELL = 60
PRECOMPUTED_MIN_ROWS = 50_000
# A cell is "wholly inside" a view (``inner_cells``) with this margin (metres): the lon/lat
# box's edges bend in Lambert-93, and a listing's stored Lambert-93 position and its
# lon/lat may round apart.
INNER_MARGIN_M = 5.0
LAMBERT93_MERIDIAN = 3.0  # where the parallels' arcs are farthest south (their extremum)
# A listing's count is read row by row up to its cap; in a big directory, a view with
# only ``in_bbox`` (and its order, its page) whose inner cells alone hold this many times
# the cap has more for sure (the factor: the cells lag the listings until the next
# refresh), and only the estimate is asked (``surely_more_than``). The inner cells' grid:
# at most SURE_CELLS across the view (a few hundred rows of api_cluster_cell_all at most).
# 16 rather than 8: a finer grid covers more of a city view, which is then known to hold
# more than the cap without reading it; the load test's listings' count statements cost
# 1.70 -> 1.40 ms (medians of three interleaved replays at 1M, same answers), 24 and 32
# no better (more cells summed), docs/benchmarks.md 2026-11-30.
SURE_FACTOR = 2
SURE_CELLS = 16
_SURE_PARAMS = {"in_bbox", "point", "page", "page_size"}
_METRES_PER_PIXEL_Z0 = 156_543.03 * math.cos(math.radians(43.7))  # at the region's latitude


def cell_size(zoom: int, bbox) -> float:
    """Metres per cell: ~60 px at ``zoom``, at least the viewport over MAX_CELLS."""
    min_x, min_y, max_x, max_y = envelope(*bbox)
    by_zoom = PIXELS_PER_CELL * _METRES_PER_PIXEL_Z0 / 2**zoom
    by_viewport = math.sqrt(max(max_x - min_x, 1) * max(max_y - min_y, 1) / MAX_CELLS)
    return max(by_zoom, by_viewport, 10.0)


def precomputed_grid(cell_m: float) -> tuple[int, int] | None:
    """(level, k): cells of ``k`` × ``level`` metres, within ±50 % of ``cell_m``."""
    usable = [level for level in LEVELS if level <= cell_m * 1.5]
    if not usable:
        return None
    level = usable[-1]
    return level, max(1, round(cell_m / level))


def _listings_reads():
    """A replica when the router sends public reads there (postgis/router.py)."""
    from geo_directory.businesses.models import Business

    return reads(Business)


_estimate_cache: tuple[float, float] = (0.0, -1.0)


def listings_estimate() -> float:
    """The planner's row estimate of the listings table (cached a minute)."""
    global _estimate_cache
    at, value = _estimate_cache
    if value < 0 or time.monotonic() - at > 60:
        with _listings_reads().cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = 'businesses_business'::regclass"
            )
            value = max(float(cursor.fetchone()[0]), 0.0)  # -1: never analysed
        _estimate_cache = (time.monotonic(), value)
    return value


def reset_estimate() -> None:
    global _estimate_cache
    _estimate_cache = (0.0, -1.0)


_CELLS_SQL = """
SELECT n, ST_X(c), ST_Y(c), min_id FROM (
    SELECT sum(n)::int AS n, min(min_id) AS min_id,
           ST_Transform(ST_SetSRID(ST_MakePoint(sum(sx) / sum(n), sum(sy) / sum(n)), 2154),
                        4326) AS c
      FROM {table}
     WHERE level = %(level)s
       AND cx BETWEEN %(x0)s AND %(x1)s AND cy BETWEEN %(y0)s AND %(y1)s{categories}
     GROUP BY cx / %(k)s, cy / %(k)s
) AS cells
"""
# Without a category filter, one row per cell (api_cluster_cell_all); with one, the
# per-category rows of the chosen categories. Both on their (level, cx, cy, ...) B-tree.
_ALL_SQL = _CELLS_SQL.format(table="api_cluster_cell_all", categories="")
_BY_CATEGORY_SQL = _CELLS_SQL.format(
    table="api_cluster_cell",
    categories="\n       AND category_id = ANY(%(categories)s::bigint[])",
)


def precomputed_query(level: int, k: int, bbox, category_ids: list[int] | None):
    """The SQL and parameters of ``precomputed_clusters`` (for EXPLAIN and the bench)."""
    min_x, min_y, max_x, max_y = envelope(*bbox)
    params = {
        "level": level,
        "k": k,
        "x0": math.floor(min_x / level),
        "x1": math.floor(max_x / level),
        "y0": math.floor(min_y / level),
        "y1": math.floor(max_y / level),
    }
    if category_ids is None:
        return _ALL_SQL, params
    return _BY_CATEGORY_SQL, {**params, "categories": list(category_ids)}


def precomputed_clusters(level: int, k: int, bbox, category_ids: list[int] | None):
    """(count, lon, lat, min_id) per cluster; ``category_ids`` None means no filter."""
    sql, params = precomputed_query(level, k, bbox, category_ids)
    with _listings_reads().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def inner_cells(
    bbox, across: int, levels: tuple[int, ...] = LEVELS, by_rows: bool = False
) -> tuple[int, int, int, int, int] | None:
    """(level, cx0, cy0, cx1, cy1): the cells of api_cluster_cell (``floor(x / level)``,
    as its view computes them) wholly inside the lon/lat ``bbox``, a rectangle, on the
    finest grid of ``levels`` with at most ``across`` cells across the view (``by_rows``:
    at most ``across`` rows of inner cells); None if there is none. In
    Lambert-93 the box's west and east sides are straight (meridians) and its south and
    north sides arcs of circles centred north of France (parallels), whose extremes are at
    their ends or on the 3° meridian: sampled there and between."""
    min_lon, min_lat, max_lon, max_lat = bbox
    steps = [i / 8 for i in range(9)]
    lons = [min_lon + (max_lon - min_lon) * t for t in steps]
    if min_lon < LAMBERT93_MERIDIAN < max_lon:
        lons.append(LAMBERT93_MERIDIAN)
    lats = [min_lat + (max_lat - min_lat) * t for t in steps]
    # One call (~20 µs each): west side, east side, south side, north side.
    xs, ys = transformer().transform(
        [min_lon] * len(lats) + [max_lon] * len(lats) + lons + lons,
        lats + lats + [min_lat] * len(lons) + [max_lat] * len(lons),
    )
    n, m = len(lats), len(lons)
    x0, x1 = max(xs[:n]) + INNER_MARGIN_M, min(xs[n : 2 * n]) - INNER_MARGIN_M
    y0 = max(ys[2 * n : 2 * n + m]) + INNER_MARGIN_M
    y1 = min(ys[2 * n + m :]) - INNER_MARGIN_M
    span = max(max(xs) - min(xs), max(ys) - min(ys))  # the sides' envelope
    level = next(
        (
            lv
            for lv in levels
            if (math.floor(y1 / lv) - math.ceil(y0 / lv) if by_rows else span / lv) <= across
        ),
        levels[-1],
    )
    cx0, cx1 = math.ceil(x0 / level), math.floor(x1 / level) - 1
    cy0, cy1 = math.ceil(y0 / level), math.floor(y1 / level) - 1
    if cx0 > cx1 or cy0 > cy1:
        return None
    return level, cx0, cy0, cx1, cy1


def surely_more_than(cleaned: dict, n: int) -> tuple[str, list] | None:
    """A boolean SQL expression: whether the listing of ``cleaned`` (its parameters)
    surely has more than ``n`` matches, told by the cells wholly inside its view (see
    SURE_FACTOR); None when the cells cannot tell. An expression, not its answer: the
    listing's count evaluates it in its own statement (``queries.Query.count``), one
    round trip instead of two."""
    if not cleaned.get("in_bbox") or not params.used(cleaned) <= _SURE_PARAMS:
        return None
    if listings_estimate() < PRECOMPUTED_MIN_ROWS:
        return None
    inner = inner_cells(cleaned["in_bbox"], SURE_CELLS)
    if inner is None:
        return None
    level, cx0, cy0, cx1, cy1 = inner
    return (
        "(SELECT coalesce(sum(n), 0) > %s FROM api_cluster_cell_all"
        " WHERE level = %s AND cx BETWEEN %s AND %s AND cy BETWEEN %s AND %s)",
        [SURE_FACTOR * n, level, cx0, cx1, cy0, cy1],
    )


def refresh() -> float:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # A whole-table aggregate: the one statement that wants parallel workers, which
        # the connection's session settings turn off (postgis/base.py SESSION_SETTINGS).
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        cursor.execute("REFRESH MATERIALIZED VIEW api_cluster_cell")
        cursor.execute("ANALYZE api_cluster_cell")
        # Derived from api_cluster_cell: refreshed after it, in the same transaction.
        cursor.execute("REFRESH MATERIALIZED VIEW api_cluster_cell_all")
        cursor.execute("ANALYZE api_cluster_cell_all")
        # The chips' counts' sums along the rows of cells (api migration 0014).
        cursor.execute("REFRESH MATERIALIZED VIEW api_count_row")
        cursor.execute("ANALYZE api_count_row")
    # The chips' counts sum cells from the index alone (api migration 0012), which needs
    # the view's pages marked all-visible: only VACUUM does it, never inside a transaction
    # (a test's: there the sums read the heap, the same numbers).
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM api_cluster_cell")
    return time.perf_counter() - started
