"""/api/v1/categories/counts/: every category's count in a view, in one request.

The reference is what the map asked before, one request per chip: the listing's own
capped count ``businesses/?category=<slug>&in_bbox=…&page_size=1``, on the real listings.
"""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from geo_directory.api import category_counts, clusters
from geo_directory.businesses.models import Business, Category
from tests.factories import make_listing

from .conftest import built

pytestmark = pytest.mark.django_db
URL = "/api/v1/categories/counts/"
MARSEILLE = "5.30,43.20,5.50,43.38"
REGION = "4.2,42.9,7.8,45.2"
BARCELONNETTE = "6.60,44.36,6.70,44.42"  # nothing listed there
INLAND = "5.36,43.28,5.50,43.38"  # Marseille's north and east, every edge on land


def listing_count(client, slug: str, query: dict) -> tuple[int, bool]:
    body = client.get("/api/v1/businesses/", {**query, "category": slug, "page_size": 1}).json()
    return body["count"], body["count_exact"]


def counts(client, query: dict) -> dict:
    response = client.get(URL, query)
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.mark.parametrize(
    "query",
    [
        {"in_bbox": MARSEILLE},
        {"in_bbox": REGION},
        {"in_bbox": MARSEILLE, "q": "boulangerie"},
        {"in_bbox": REGION, "departement": "13", "open_at": "2026-12-01T10:00"},
        {"in_bbox": MARSEILLE, "open_at": "2026-12-01T10:00"},
        {"commune": "13055"},
        {},
    ],
)
def test_every_category_has_the_listings_count(client, query):
    body = counts(client, query)
    slugs = set(Category.objects.values_list("slug", flat=True))
    assert set(body["categories"]) == slugs and len(slugs) > 30  # parents and leaves
    assert body["count_cap"] == 1000
    for slug in slugs:
        got = body["categories"][slug]
        assert (got["count"], got["count_exact"]) == listing_count(client, slug, query), slug
    assert any(c["count"] > 0 for c in body["categories"].values())


def test_a_view_with_nothing_says_zero_everywhere(client):
    body = counts(client, {"in_bbox": BARCELONNETTE})
    assert body["categories"] and all(
        c == {"count": 0, "count_exact": True} for c in body["categories"].values()
    )


def test_the_chosen_categories_are_not_a_filter_of_the_counts(client):
    # The chips count with the other filters only: choosing one leaves the others counted.
    plain = counts(client, {"in_bbox": MARSEILLE})
    with_category = counts(client, {"in_bbox": MARSEILLE, "category": "boulangerie"})
    assert with_category["categories"] == plain["categories"]


def test_past_the_cap_a_count_is_an_estimate(client, monkeypatch):
    """More matches than one pass reads: a capped count per category, exact up to the cap
    and above it an estimate said so, as the listing's count (tested with small caps)."""
    monkeypatch.setattr(category_counts, "SCAN_ROWS", 10)
    monkeypatch.setattr(category_counts, "COUNT_CAP", 5)
    body = counts(client, {"in_bbox": MARSEILLE})
    assert body["mode"] == "per category"
    leaves = set(Category.objects.exclude(parent=None).values_list("slug", flat=True))
    exact, estimated = 0, 0
    for slug, got in body["categories"].items():
        true_count, _ = listing_count(client, slug, {"in_bbox": MARSEILLE})
        if true_count <= 5 and slug in leaves:
            assert got == {"count": true_count, "count_exact": True}, slug
            exact += 1
        if not got["count_exact"]:
            assert got["count"] > 5, slug
            estimated += 1
        if true_count > 5 and slug in leaves:
            assert not got["count_exact"], slug
    assert exact and estimated
    # A parent is exact only when all its parts are, and never less than its leaves.
    for parent in Category.objects.filter(parent=None):
        leaves = [body["categories"][c.slug] for c in parent.children.all()]
        mine = body["categories"][parent.slug]
        assert mine["count"] >= sum(leaf["count"] for leaf in leaves)
        assert mine["count_exact"] == all(leaf["count_exact"] for leaf in leaves)


def test_a_big_directory_reads_the_cluster_cells_for_a_big_view(client, monkeypatch):
    """The cells' sums say which categories are over the cap (an estimate: cells whole);
    the others are counted exactly. A hidden duplicate is counted nowhere."""
    primary = Business.objects.published().filter(commune_id="13055").first()
    make_listing("Doublon", primary.location.x, primary.location.y, merged_into=primary)
    clusters.refresh()
    monkeypatch.setattr(clusters, "PRECOMPUTED_MIN_ROWS", 0)
    monkeypatch.setattr(category_counts, "SCAN_ROWS", 10)
    monkeypatch.setattr(category_counts, "COUNT_CAP", 5)
    body = counts(client, {"in_bbox": MARSEILLE})
    assert body["mode"] == "precomputed"
    leaves = Category.objects.exclude(parent=None).values_list("slug", flat=True)
    for slug in leaves:
        got = body["categories"][slug]
        true_count, _ = listing_count(client, slug, {"in_bbox": MARSEILLE})
        if got["count_exact"]:
            assert got["count"] == true_count <= 5, slug
        else:  # the cells touching the view: a superset, over the cap
            assert got["count"] >= true_count and got["count"] > 5, slug
    assert any(not body["categories"][s]["count_exact"] for s in leaves)
    # Any other filter than the view: the exact live ways.
    assert counts(client, {"in_bbox": MARSEILLE, "service": "pickup"})["mode"] != "precomputed"
    # Few listings in the cells: one exact pass.
    monkeypatch.setattr(category_counts, "SCAN_ROWS", 4000)
    small = counts(client, {"in_bbox": MARSEILLE})
    assert small["mode"] == "one pass"
    for slug in leaves:
        assert (
            small["categories"][slug]["count"]
            == listing_count(client, slug, {"in_bbox": MARSEILLE})[0]
        )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1,2,3", "attendu « lon_min,lat_min,lon_max,lat_max »"),
        ("5.5,43.3,5.3,43.4", "rectangle inversé"),
        ("-70,10,-60,20", "en France ou alentours"),
        ("5.3,43.2,nan,43.4", "degrés décimaux"),
    ],
)
def test_a_bad_view_is_a_french_400(client, value, reason):
    response = client.get(URL, {"in_bbox": value})
    assert response.status_code == 400
    assert reason in response.json()["errors"]["in_bbox"]


def test_other_bad_parameters_are_french_400s_all_at_once(client):
    body = client.get(URL, {"q": "x", "open_now": "peut-être", "service": "drone"}).json()
    assert set(body["errors"]) == {"q", "open_now", "service"}
    assert "caractères" in body["errors"]["q"]


def test_cacheable_by_shared_caches_with_an_etag(client):
    response = client.get(URL, {"in_bbox": MARSEILLE})
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get(URL, {"in_bbox": MARSEILLE}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_documented_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/categories/counts/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"in_bbox", "q", "open_now", "open_at", "service", "commune"} <= names
    assert "category" not in names and "page_size" not in names
    assert "count_cap" in str(operation["responses"]["200"])


def test_the_one_pass_is_served_by_the_spatial_index(db):
    from django.utils import timezone

    _, query = built(f"in_bbox={MARSEILLE}", timezone.now(), category_counts.FILTERS)
    where, values = query.condition()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT b.category_id FROM businesses_business b WHERE {where}", values
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "business_location_l93_gist" in plan


def test_a_big_view_is_counted_from_the_cells_and_the_trade_position_index(client, monkeypatch):
    """When the cells say the view holds SCAN_ROWS or more, it is not read row by row to
    learn it; the few-listing trades are counted on the (category, position) index."""
    from django.test.utils import CaptureQueriesContext

    make_listing("Chocolats du Vieux-Port", 5.3698, 43.2951, category="chocolatier")
    make_listing("Chocolats de la Canebière", 5.3790, 43.2970, category="chocolatier")
    clusters.refresh()
    monkeypatch.setattr(clusters, "PRECOMPUTED_MIN_ROWS", 0)
    monkeypatch.setattr(category_counts, "SCAN_ROWS", 10)
    monkeypatch.setattr(category_counts, "COUNT_CAP", 5)
    with CaptureQueriesContext(connection) as captured:
        body = counts(client, {"in_bbox": MARSEILLE})
    assert body["mode"] == "precomputed"
    assert body["categories"]["chocolatier"] == {"count": 2, "count_exact": True}
    statements = [q["sql"] for q in captured.captured_queries]
    assert not any(") AS m GROUP BY category_id" in sql for sql in statements)  # one_pass
    few = next(sql for sql in statements if "b.category_id = ANY(" in sql)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + few)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "business_published_trade_location" in plan


def test_a_big_views_few_listing_trades_are_its_inner_cells_plus_its_edge(client, monkeypatch):
    """Issue #19: a big view's trades under the cap are not read row by row: the cluster
    cells wholly inside the view are summed, only the listings around them are read. Still
    exact, also for listings a hair's breadth either side of the inner cells' border and
    of the view's own edge."""
    from django.test.utils import CaptureQueriesContext
    from pyproj import Transformer

    box = tuple(float(v) for v in INLAND.split(","))  # its edges on land, in the region
    level, cx0, cy0, cx1, cy1 = clusters.inner_cells(
        box, category_counts.INNER_ROWS, category_counts.ROW_LEVELS, by_rows=True
    )
    to_lonlat = Transformer.from_crs(2154, 4326, always_xy=True).transform
    x_mid, y_mid = (cx0 + cx1 + 1) * level / 2, (cy0 + cy1 + 1) * level / 2
    border = [  # just either side of each side of the inner cells (Lambert-93, metres)
        *((cx0 * level + d, y_mid) for d in (-0.01, 0.01)),
        *(((cx1 + 1) * level + d, y_mid) for d in (-0.01, 0.01)),
        *((x_mid, cy0 * level + d) for d in (-0.01, 0.01)),
        *((x_mid, (cy1 + 1) * level + d) for d in (-0.01, 0.01)),
    ]
    for i, (x, y) in enumerate(border):
        make_listing(f"Chocolats {i}", *to_lonlat(x, y), category="chocolatier")
    lon_mid, lat_mid = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for i, (lon, lat) in enumerate(  # just inside and outside the view's own edges
        [(box[0] + 1e-6, lat_mid), (box[0] - 1e-6, lat_mid), (lon_mid, box[3] - 1e-6)]
        + [(lon_mid, box[3] + 1e-6), (box[2] - 1e-6, box[1] + 1e-6)]
    ):
        make_listing(f"Caviste {i}", lon, lat, category="caviste")
    clusters.refresh()
    monkeypatch.setattr(clusters, "PRECOMPUTED_MIN_ROWS", 0)
    monkeypatch.setattr(category_counts, "SCAN_ROWS", 10)
    with CaptureQueriesContext(connection) as captured:
        body = counts(client, {"in_bbox": INLAND})
    statements = [q["sql"] for q in captured.captured_queries]  # read before other requests
    assert body["mode"] == "precomputed"
    assert body["categories"]["chocolatier"]["count"] >= len(border)
    exact = [slug for slug, got in body["categories"].items() if got["count_exact"]]
    assert "chocolatier" in exact and "caviste" in exact and len(exact) > 10
    for slug in exact:
        assert (body["categories"][slug]["count"], True) == listing_count(
            client, slug, {"in_bbox": INLAND}
        ), slug
    # The inner cells' sums and the edge's rows, in one statement.
    (sql,) = [sql for sql in statements if "UNION ALL" in sql]
    assert "FROM api_count_row WHERE level = " in sql and "NOT (floor(ST_X(" in sql


def plain_counts(box) -> dict[int, int]:
    """Every category's published listings in the lon/lat box: a plain count(*)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_id, count(*) FROM businesses_business WHERE status = 'published'"
            " AND merged_into_id IS NULL AND category_id IS NOT NULL"
            " AND ST_X(location) BETWEEN %s AND %s AND ST_Y(location) BETWEEN %s AND %s"
            " GROUP BY category_id",
            [box[0], box[2], box[1], box[3]],
        )
        return dict(cursor.fetchall())


@pytest.mark.parametrize(
    ("view", "level"), [(INLAND, 500), ("5.37,43.29,5.41,43.32", 100)]
)  # a view ~11 km high and one ~3 km high: both grids of api_count_row
def test_the_rows_sums_plus_the_edge_are_a_plain_count_also_after_a_refresh(view, level):
    """Issue #19: the inner cells summed from api_count_row (two probes per row of cells)
    plus the edge read row by row are every category's plain count of the view: listings
    inside the inner cells, on the boundaries between them and around them, in the edge,
    just outside the view; and again once listings are added and moved, after the refresh
    (the sums lag the listings until then, as the cells)."""
    from django.utils import timezone
    from pyproj import Transformer

    box = tuple(float(v) for v in view.split(","))
    inner = clusters.inner_cells(
        box, category_counts.INNER_ROWS, category_counts.ROW_LEVELS, by_rows=True
    )
    assert inner[0] == level
    level, cx0, cy0, cx1, cy1 = inner
    assert cx1 > cx0 + 2 and cy1 > cy0 + 2
    to_lonlat = Transformer.from_crs(2154, 4326, always_xy=True).transform
    x_mid, y_mid = (cx0 + cx1 + 1) * level / 2, (cy0 + cy1 + 1) * level / 2
    spots = [  # Lambert-93 (metres)
        (x_mid + 7, y_mid + 3),  # an inner cell
        ((cx0 + 1) * level, y_mid),  # on the boundary between two inner cells
        (x_mid, (cy0 + 2) * level),
        (cx0 * level, y_mid),  # on the inner cells' west side
        ((cx1 + 1) * level - 0.01, y_mid + 5),  # their east column, north row
        (x_mid + 5, (cy1 + 1) * level - 0.01),
        ((cx1 + 1) * level, y_mid),  # on their east side (its cell: the edge's)
        (x_mid, cy0 * level - 0.01),  # in the edge, a hair south of the inner cells
        (x_mid, (cy1 + 1) * level + level / 3),  # in the edge, north
        (cx0 * level - level / 3, cy0 * level - level / 3),  # in the edge, south-west corner
    ]
    made = [
        make_listing(f"Caviste {i}", *to_lonlat(x, y), category="caviste")
        for i, (x, y) in enumerate(spots)
    ]
    lon_mid, lat_mid = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for i, (lon, lat) in enumerate(  # just inside and just outside the view's edges
        [(box[0] + 1e-6, lat_mid), (box[0] - 1e-6, lat_mid), (lon_mid, box[3] + 1e-6)]
    ):
        made.append(make_listing(f"Fromager {i}", lon, lat, category="fromagerie"))
    clusters.refresh()
    cleaned, query = built(f"in_bbox={view}", timezone.now(), category_counts.FILTERS)
    every = sorted(Category.objects.values_list("pk", flat=True))

    def placed():  # where the listings made sit: inner cells, edge, outside the view
        where = {"inner": 0, "edge": 0, "out": 0}
        for listing in Business.objects.filter(pk__in=[b.pk for b in made]):
            x, y = listing.location_l93.x, listing.location_l93.y
            lon, lat = listing.location.x, listing.location.y
            if not (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]):
                where["out"] += 1
            elif cx0 <= x // level <= cx1 and cy0 <= y // level <= cy1:
                where["inner"] += 1
            else:
                where["edge"] += 1
        return where

    assert all(n >= 2 for n in placed().values()), placed()
    expected = plain_counts(box)
    assert sum(expected.values()) > 10  # the real listings too
    assert category_counts.inner_and_edge(query, cleaned["in_bbox"], every) == expected
    # Added and moved listings: right again after the refresh.
    make_listing("Caviste ajouté", *to_lonlat(x_mid - 11, y_mid - 5), category="caviste")
    inner, edge, outside = made[0], made[7], made[11]
    Business.objects.filter(pk=inner.pk).update(location=outside.location)  # leaves
    Business.objects.filter(pk=outside.pk).update(
        location=Point(*to_lonlat(x_mid, y_mid), srid=4326)
    )
    Business.objects.filter(pk=edge.pk).update(category=Category.objects.get(slug="fromagerie"))
    clusters.refresh()
    moved = plain_counts(box)
    assert moved != expected
    assert category_counts.inner_and_edge(query, cleaned["in_bbox"], every) == moved
