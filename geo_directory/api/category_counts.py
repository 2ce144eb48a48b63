"""``/api/v1/categories/counts/``: how many listings of each category a view holds.

The residents' map disables the category chips with nothing in view and writes each
chip's count (issue #17); it asked one capped count per chip (``businesses/?category=
<slug>&page_size=1``: 5 requests per view, 34 with every category shown). This endpoint
answers every category, parents and leaves, in one request, with the listing's filters
(the same parameter families, ``params.py``) except ``category`` itself and the paging.

Each count is capped like the listing's (``views.COUNT_CAP``): exact up to the cap, above
it an estimate said so (``count_exact: false``). A parent's count is its own listings'
plus its leaves'. The cheapest way that is right for the request, in this order:

- **one pass**: the view's matches, at most ``SCAN_ROWS`` of them, grouped by category in
  one statement on the GiST index of ``location_l93``. Fewer than ``SCAN_ROWS``: every
  count is exact. This is every zoomed-in view (the p50 of the residents' views).
- **precomputed**: more (the cells are read first when they may answer, and say so), in a
  big directory (``clusters.PRECOMPUTED_MIN_ROWS``) seen
  without any filter but ``in_bbox``: the per-category sums of the cluster cells
  (``api_cluster_cell``, at most ``MAX_CELLS`` cells) that touch the view tell which
  categories have more than the cap (their estimate: the sum, cells taken whole: a
  superset) and which have none; only the others are counted, exactly (``inner_and_edge``):
  the cells wholly inside the view summed from their rows' sums (api migration 0014), the
  listings of the edge around them read row by row, in one statement.
  Like the precomputed clusters, the sums lag the listings until ``manage.py
  refresh_clusters`` (the inner cells' part of the exact counts too). At 100,000 listings
  this kept the p95 of the load test's views at 154 ms against 661 ms counted live
  (``bench.api.chip_counts``, docs/search.md).
- **per category**: more, with another filter (``q``, ``open_now``...): one capped count
  per category (``api_capped_count``, the listing's own, migration api/0004), all in one
  statement.

The response says which one answered (``mode``).
"""

from __future__ import annotations

import math

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema

from geo_directory.postgis.arrays import int_array
from geo_directory.postgis.l93 import envelope
from geo_directory.territory.region import EXTENT

from . import clusters, params, queries, reference, schema
from .views import (
    COUNT_CAP,
    FilteredView,
    errors_response,
    json_response,
    published_per_category,
)

# A view with fewer matches than this is counted in one pass, exactly.
SCAN_ROWS = 4_000
# The precomputed sums read the finest grid that covers the view in at most this many
# cells (per category present): finer cells, a tighter estimate at the view's edges, but
# more index rows (400 cells: p95 180 ms against 154 ms at 100, bench.api.chip_counts).
MAX_CELLS = 100
# The few-listing trades of a precomputed view: the cells wholly inside the view are
# summed, the listings of the edge around them read row by row. The grid: the finest of
# api_count_row's (api migration 0014) with at most INNER_ROWS rows of inner cells (two
# index probes each): a thinner edge, fewer probes (docs/search.md, 2026-11-30).
ROW_LEVELS = (100, 500)
INNER_ROWS = 48

# The parameters: the listing's filters, except the category (counted, not filtered) and
# the order and paging (a count has neither).
FILTERS = [
    params.NearPoint,
    params.Viewport,
    params.Place,
    params.NameSearch,
    params.OpeningHours,
    params.Service,
]


def one_pass(query: queries.Query) -> dict[int, int] | None:
    """Matches per category id, or None when there are SCAN_ROWS or more."""
    where, values = query.condition()
    sql = (
        "SELECT category_id, count(*) FROM (SELECT b.category_id FROM businesses_business b"
        f" WHERE {where} LIMIT %s) AS m GROUP BY category_id"
    )
    with query.connection.cursor() as cursor:
        cursor.execute(sql, [*values, SCAN_ROWS])
        rows = cursor.fetchall()
    if sum(n for _, n in rows) >= SCAN_ROWS:
        return None
    return {category_id: n for category_id, n in rows if category_id is not None}


def grouped(query: queries.Query, category_ids: list[int]) -> dict[int, int]:
    """Matches per category id of ``category_ids``, exact (no cap: for categories known to
    hold few matches), in one statement."""
    if not category_ids:
        return {}
    where, values = query.condition()
    with query.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.category_id, count(*) FROM businesses_business b WHERE {where}"
            " AND b.category_id = ANY(%s::bigint[]) GROUP BY b.category_id",
            [*values, int_array(category_ids)],
        )
        return dict(cursor.fetchall())


def capped_each(query: queries.Query, category_ids: list[int]) -> dict[int, tuple[int, bool]]:
    """(count, exact) per category id: ``api_capped_count`` of the query restricted to
    each, in one statement (one round trip)."""
    if not category_ids:
        return {}
    where, values = query.condition()
    ops = query.connection.ops
    statements = [
        ops.compose_sql(
            f"SELECT b.id FROM businesses_business b WHERE {where} AND b.category_id = %s",
            [*values, category_id],
        )
        for category_id in category_ids
    ]
    with query.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.n, c.exact FROM unnest(%s::text[]) WITH ORDINALITY AS q(statement, i)"
            " CROSS JOIN LATERAL api_capped_count(q.statement, %s) AS c ORDER BY q.i",
            [statements, COUNT_CAP],
        )
        rows = cursor.fetchall()
    return {
        category_id: (n, exact) for category_id, (n, exact) in zip(category_ids, rows, strict=True)
    }


def cells_level(bbox) -> int:
    """The finest grid of api_cluster_cell covering ``bbox`` in at most MAX_CELLS cells."""
    min_x, min_y, max_x, max_y = envelope(*bbox)
    for level in clusters.LEVELS:
        cells = (math.floor(max_x / level) - math.floor(min_x / level) + 1) * (
            math.floor(max_y / level) - math.floor(min_y / level) + 1
        )
        if cells <= MAX_CELLS:
            return level
    return clusters.LEVELS[-1]


def cell_sums(query: queries.Query, bbox, category_ids: list[int]) -> dict[int, int]:
    """Listings per category id in the cluster cells that touch ``bbox`` (a superset):
    one range of the (level, category_id, cx, cy) index per category."""
    level = cells_level(bbox)
    min_x, min_y, max_x, max_y = envelope(*bbox)
    with query.connection.cursor() as cursor:  # where the listings are read (a replica)
        cursor.execute(
            "SELECT category_id, sum(n)::bigint FROM api_cluster_cell"
            " WHERE level = %s AND category_id = ANY(%s::bigint[])"
            " AND cx BETWEEN %s AND %s AND cy BETWEEN %s AND %s GROUP BY category_id",
            [
                level,
                int_array(category_ids),
                math.floor(min_x / level),
                math.floor(max_x / level),
                math.floor(min_y / level),
                math.floor(max_y / level),
            ],
        )
        return dict(cursor.fetchall())


def inner_and_edge(query: queries.Query, bbox, category_ids: list[int]) -> dict[int, int]:
    """Matches per category id of ``category_ids`` in the view ``bbox`` (``query`` has no
    other filter): the listings of the cells wholly inside it (as fresh as the last
    ``refresh_clusters``), two index probes per row of cells in ``api_count_row`` (api
    migration 0014: each row's every-category sums along x), plus its edge's listings
    (at most a cell thick: 100 m for a view up to ~5 km high, else 500 m), read
    row by row on the GiST index of the position through the four strips around the inner
    cells (their ``&&`` reach a metre into the inner cells; the cells' own test keeps the
    edge's rows only). One statement. Against the 2 km cells of ``api_cluster_cell`` and
    their edge, at a million listings: docs/search.md (2026-11-30)."""
    if not category_ids:
        return {}
    inner = clusters.inner_cells(bbox, INNER_ROWS, ROW_LEVELS, by_rows=True)
    if inner is None:
        return grouped(query, category_ids)
    level, cx0, cy0, cx1, cy1 = inner
    min_x, min_y, max_x, max_y = envelope(*bbox)
    x0, y0, x1, y1 = cx0 * level - 1, cy0 * level - 1, (cx1 + 1) * level + 1, (cy1 + 1) * level + 1
    strips = [
        (min_x, min_y, max_x, y0 + 2),  # south
        (min_x, y1 - 2, max_x, max_y),  # north
        (min_x, y0, x0 + 2, y1),  # west
        (x1 - 2, y0, max_x, y1),  # east
    ]
    where, values = query.condition()
    ids = int_array(category_ids)
    envelopes = " OR ".join(
        f"b.location_l93 && ST_MakeEnvelope(%s, %s, %s, %s, {queries.L93})" for _ in strips
    )
    with query.connection.cursor() as cursor:
        # A row's cells cx0..cx1: its last non-empty cell at or before cx1 (none: the row
        # holds nothing there) minus its last before cx0 (none: nothing before). The
        # zeros dropped: the categories with none are left out, as a plain count would.
        cursor.execute(
            "SELECT category_id, sum(n)::bigint FROM ("
            " SELECT c.id AS category_id, coalesce(hi.cum[c.id], 0) - coalesce(lo.cum[c.id], 0)"
            " AS n FROM generate_series(%s, %s) AS r(cy)"
            " CROSS JOIN LATERAL (SELECT cum FROM api_count_row"
            " WHERE level = %s AND cy = r.cy AND cx <= %s ORDER BY cx DESC LIMIT 1) AS hi"
            " LEFT JOIN LATERAL (SELECT cum FROM api_count_row"
            " WHERE level = %s AND cy = r.cy AND cx < %s ORDER BY cx DESC LIMIT 1) AS lo"
            " ON true"
            " CROSS JOIN unnest(%s::int[]) AS c(id)"
            " UNION ALL"
            f" SELECT b.category_id, 1 FROM businesses_business b WHERE {where}"
            f" AND b.category_id = ANY(%s::bigint[]) AND ({envelopes})"
            " AND NOT (floor(ST_X(b.location_l93) / %s) BETWEEN %s AND %s"
            " AND floor(ST_Y(b.location_l93) / %s) BETWEEN %s AND %s)"
            ") AS parts GROUP BY category_id HAVING sum(n) > 0",
            [
                *(cy0, cy1, level, cx1, level, cx0, ids),
                *values,
                ids,
                *(v for strip in strips for v in strip),
                *(level, cx0, cx1, level, cy0, cy1),
            ],
        )
        return dict(cursor.fetchall())


def direct_counts(cleaned: dict, query: queries.Query) -> tuple[dict[int, tuple[int, bool]], str]:
    """((count, exact) per category id, its own listings only; the mode that answered)."""
    every = sorted(reference.get().categories)
    used = params.used(cleaned)
    precomputed = (
        used <= {"in_bbox"} and clusters.listings_estimate() >= clusters.PRECOMPUTED_MIN_ROWS
    )
    # The cells first when they can answer: a view they say holds SCAN_ROWS or more is
    # not read row by row only to learn it (5-7 ms at 1,000,000 listings).
    sums = cell_sums(query, cleaned["in_bbox"] or EXTENT, every) if precomputed else None
    found = one_pass(query) if sums is None or sum(sums.values()) < SCAN_ROWS else None
    if found is not None:
        return {pk: (found.get(pk, 0), True) for pk in every}, "one pass"
    if sums is not None:
        # The others, at most COUNT_CAP each (the cells hold a superset): counted exactly
        # together, the inner cells summed and the edge read (without a view: every row,
        # on the (category, position) index of api migration 0011).
        few = [pk for pk in every if 0 < sums.get(pk, 0) <= COUNT_CAP]
        counted = (
            inner_and_edge(query, cleaned["in_bbox"], few)
            if cleaned["in_bbox"]
            else grouped(query, few)
        )
        return {
            pk: (counted.get(pk, 0), True) if pk in few or pk not in sums else (sums[pk], False)
            for pk in every
        }, "precomputed"
    # A category with no published listing at all (most parents: listings are in the
    # leaves) has none in the view either: not counted.
    present = published_per_category()
    counted = capped_each(query, [pk for pk in every if present.get(pk)])
    return {pk: counted.get(pk, (0, True)) for pk in every}, "per category"


def rolled_up(direct: dict[int, tuple[int, bool]]) -> dict[str, dict]:
    """{slug: {"count", "count_exact"}}: a category's own listings plus its descendants'."""
    ref = reference.get()
    totals: dict[int, tuple[int, bool]] = {}

    def total(pk: int) -> tuple[int, bool]:
        # Each category summed once (a parent's total reuses its children's).
        if pk not in totals:
            n, exact = direct.get(pk, (0, True))
            for child in ref.children.get(pk, []):
                child_n, child_exact = total(child)
                n, exact = n + child_n, exact and child_exact
            totals[pk] = (n, exact)
        return totals[pk]

    out = {}
    for pk, info in ref.categories.items():
        n, exact = total(pk)
        out[info.slug] = {"count": n, "count_exact": exact}
    return out


COUNTS = OpenApiResponse(
    {
        "type": "object",
        "required": ["mode", "count_cap", "categories"],
        "properties": {
            "mode": {
                "type": "string",
                "enum": ["one pass", "per category", "precomputed"],
                "description": "Comment les nombres ont été obtenus",
            },
            "count_cap": {
                "type": "integer",
                "description": "Les nombres sont exacts jusqu'à cette valeur",
            },
            "categories": {
                "type": "object",
                "description": "Par slug de catégorie (parentes et sous-catégories)",
                "additionalProperties": {
                    "type": "object",
                    "required": ["count", "count_exact"],
                    "properties": {
                        "count": {"type": "integer", "minimum": 0},
                        "count_exact": {
                            "type": "boolean",
                            "description": "false : au-delà de count_cap, une estimation",
                        },
                    },
                },
            },
        },
    },
    description="Le nombre de commerces de chaque catégorie dans la vue",
)


class CategoryCountsView(FilteredView):
    filter_backends = FILTERS

    @extend_schema(
        operation_id="categories_counts",
        summary="Nombre de commerces par catégorie dans une vue (mêmes filtres que "
        "/businesses/, sauf category)",
        description="Une requête pour toutes les catégories, parentes (leurs "
        "sous-catégories comprises) et sous-catégories : exact jusqu'à count_cap, au-delà "
        "une estimation (count_exact: false).",
        responses={200: COUNTS, 400: schema.ERRORS},
    )
    def get(self, request):
        errors = self.clean(request.GET)
        if errors:
            return errors_response(errors)
        query = self.filter_queryset(queries.Query(timezone.now()))
        direct, mode = direct_counts(self.cleaned, query)
        return json_response(
            {"mode": mode, "count_cap": COUNT_CAP, "categories": rolled_up(direct)}
        )
