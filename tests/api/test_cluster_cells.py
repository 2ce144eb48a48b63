"""The category-free cluster cells give the clusters the per-category cells gave.

An unfiltered zoomed-out map reads ``api_cluster_cell_all`` (one row per cell); the
reference here is the query it replaced: the per-category rows of ``api_cluster_cell``
summed over every category. Both on the real listings of the test database and on a
synthetic set spread over the region, at every level and grouping factor.
"""

import json
import random

import pytest
from django.db import connection

from geo_directory.api import clusters
from geo_directory.api.reference import get as reference
from geo_directory.businesses.models import Business, Category
from geo_directory.territory.models import Commune
from geo_directory.territory.region import EXTENT
from tests.factories import make_listing

pytestmark = pytest.mark.django_db

# The query of the per-category cells for a view without filter (before
# api_cluster_cell_all): every category's rows of a cell summed.
SUMMED_OVER_CATEGORIES = """
SELECT n, ST_X(c), ST_Y(c), min_id FROM (
    SELECT sum(n)::int AS n, min(min_id) AS min_id,
           ST_Transform(ST_SetSRID(ST_MakePoint(sum(sx) / sum(n), sum(sy) / sum(n)), 2154),
                        4326) AS c
      FROM api_cluster_cell
     WHERE level = %(level)s
       AND cx BETWEEN %(x0)s AND %(x1)s AND cy BETWEEN %(y0)s AND %(y1)s
     GROUP BY cx / %(k)s, cy / %(k)s
) AS cells
"""
MARSEILLE = (5.30, 43.20, 5.50, 43.38)
NICE = (7.15, 43.65, 7.35, 43.76)


def by_min_id(rows):
    return {min_id: (n, lon, lat) for n, lon, lat, min_id in rows}


def assert_same_clusters(level, k, bbox):
    _sql, params = clusters.precomputed_query(level, k, bbox, None)
    with connection.cursor() as cursor:
        cursor.execute(SUMMED_OVER_CATEGORIES, params)
        expected = by_min_id(cursor.fetchall())
    got = by_min_id(clusters.precomputed_clusters(level, k, bbox, None))
    assert got.keys() == expected.keys()
    for min_id, (n, lon, lat) in expected.items():
        assert got[min_id][0] == n
        # The same sums added in another order: equal to the last bits of a double,
        # far below the 6 decimals (~0.1 m) the response keeps.
        assert got[min_id][1] == pytest.approx(lon, abs=1e-9)
        assert got[min_id][2] == pytest.approx(lat, abs=1e-9)
    return sum(n for n, _lon, _lat in expected.values())


def every_grid():
    for level in clusters.LEVELS:
        for k in (1, 2, 3, 5):
            for bbox in (EXTENT, MARSEILLE, NICE):
                yield level, k, bbox


def test_unfiltered_cells_match_the_category_cells_on_the_real_listings():
    clusters.refresh()
    published = Business.objects.published().exclude(location=None).count()
    assert published > 200
    for level, k, bbox in every_grid():
        total = assert_same_clusters(level, k, bbox)
        if bbox == EXTENT:
            assert total == published


def test_unfiltered_cells_match_the_category_cells_on_a_synthetic_set():
    rng = random.Random(19)
    categories = list(Category.objects.values_list("slug", flat=True)[:12])
    # Spread over the region: around the label points of communes (always inside them).
    centres = [
        c.coords for c in Commune.objects.exclude(centre=None).values_list("centre", flat=True)
    ]
    made = []
    for i in range(400):
        # Half packed in a few streets (many categories per cell), half spread out.
        if i % 2:
            lon, lat = 5.37 + rng.uniform(-0.01, 0.01), 43.29 + rng.uniform(-0.01, 0.01)
        else:
            lon, lat = rng.choice(centres)
            lon, lat = lon + rng.uniform(-0.0005, 0.0005), lat + rng.uniform(-0.0005, 0.0005)
        made.append(make_listing(f"Commerce {i}", lon, lat, category=rng.choice(categories)))
    # Hidden records are in neither: a duplicate linked to another listing, a draft.
    make_listing("Doublon", 5.371, 43.291, merged_into=made[1])
    make_listing("Brouillon", 5.372, 43.292, status=Business.Status.DRAFT)
    clusters.refresh()
    published = Business.objects.published().exclude(location=None).count()
    for level, k, bbox in every_grid():
        total = assert_same_clusters(level, k, bbox)
        if bbox == EXTENT:
            assert total == published


def test_the_api_answers_an_unfiltered_view_from_the_cells_without_categories(client, monkeypatch):
    clusters.refresh()
    monkeypatch.setattr(clusters, "PRECOMPUTED_MIN_ROWS", 0)
    with connection.cursor() as cursor:
        # Unreadable from now on ("has not been populated"): an answer read the other view.
        cursor.execute("REFRESH MATERIALIZED VIEW api_cluster_cell WITH NO DATA")
    published = Business.objects.published().exclude(location=None).count()
    for zoom in (6, 8, 11):
        body = client.get(f"/api/v1/clusters/?zoom={zoom}").json()
        assert body["mode"] == "precomputed"
        assert sum(f["properties"]["count"] for f in body["features"]) == published


def plan_indexes(sql, params) -> dict[str, str]:
    """{index name: its Index Cond} of the plan, which must not scan a table whole."""
    with connection.cursor() as cursor:
        # The test database is small enough for a sequential scan to win; the question
        # here is whether the conditions can use the index at all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, stack = {}, [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        assert node["Node Type"] != "Seq Scan", node
        if "Index Name" in node:
            found[node["Index Name"]] = node.get("Index Cond", "")
        stack.extend(node.get("Plans", []))
    return found


@pytest.mark.parametrize("zoom", [8, 11])
def test_both_cell_queries_go_through_their_btree(zoom):
    clusters.refresh()
    level, k = clusters.precomputed_grid(clusters.cell_size(zoom, EXTENT))
    unfiltered = plan_indexes(*clusters.precomputed_query(level, k, EXTENT, None))
    assert list(unfiltered) == ["api_cluster_cell_all_key"]
    bakeries = reference().descendants(["alimentation"])
    filtered = plan_indexes(*clusters.precomputed_query(level, k, EXTENT, bakeries))
    assert list(filtered) == ["api_cluster_cell_key"]


def test_the_category_cells_are_keyed_by_category_before_position():
    # A filtered view reads the chosen categories' rows only (at 1M listings, a zoom-11
    # screen read 14,439 rows for 1,020 kept with the category after the position); the
    # test database is too small for the planner to show it, the key's order says it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('api_cluster_cell_key'::regclass)")
        definition = cursor.fetchone()[0]
    # Its count too: the chips' sums read the index alone (api migration 0012).
    assert definition.endswith("(level, category_id, cx, cy) INCLUDE (n)")
