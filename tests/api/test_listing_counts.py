"""Issue #19: a big view's listing count, past the cap, skips reading the cap's rows.

``businesses/?in_bbox=…`` counts its matches exactly up to ``COUNT_CAP`` and answers the
planner's estimate past it (``api_capped_count``: COUNT_CAP + 1 rows read, then EXPLAIN).
In a big directory, when the cluster cells wholly inside the view already hold more than
twice the cap, the answer is the same estimate without the rows. Compared with the
answer of the row-by-row way on the real listings.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geo_directory.api import clusters, views
from tests.factories import make_listing

pytestmark = pytest.mark.django_db
URL = "/api/v1/businesses/"
AROUND_MARSEILLE = "5.20,43.20,5.60,43.50"


def listing(client, query: dict) -> tuple[dict, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query)
    statements = [q["sql"] for q in captured.captured_queries]  # before other requests
    assert response.status_code == 200, response.content[:500]
    return response.json(), statements


@pytest.fixture
def big_directory(monkeypatch):
    clusters.refresh()
    monkeypatch.setattr(clusters, "PRECOMPUTED_MIN_ROWS", 0)
    monkeypatch.setattr(views, "COUNT_CAP", 5)


def test_a_view_surely_over_the_cap_gets_the_estimate_without_the_rows(
    client, big_directory, monkeypatch
):
    query = {"in_bbox": AROUND_MARSEILLE, "point": "5.4,43.35", "page_size": 2}
    monkeypatch.setattr(clusters, "SURE_FACTOR", 10**9)  # never sure: the rows are read
    counted, statements = listing(client, query)
    assert any("api_capped_count" in sql for sql in statements)
    monkeypatch.setattr(clusters, "SURE_FACTOR", 2)
    body, statements = listing(client, query)
    # The cells' test rides on the count's statement, which then reads no row (a cap of
    # -1: LIMIT 0) and answers the estimate: one statement besides the page, not two.
    counting = [sql for sql in statements if "api_capped_count" in sql]
    assert len(counting) == 1 and len(statements) == 2, statements
    assert "api_cluster_cell_all" in counting[0] and "THEN -1" in counting[0]
    assert (body["count"], body["count_exact"]) == (counted["count"], False)
    assert body["count"] > 5 and body["features"] == counted["features"]


def test_other_filters_and_small_views_are_still_counted_row_by_row(client, big_directory):
    for query in [
        {"in_bbox": AROUND_MARSEILLE, "point": "5.4,43.35", "dist": 30000, "page_size": 1},
        {"in_bbox": AROUND_MARSEILLE, "category": "alimentation", "page_size": 1},
    ]:
        _, statements = listing(client, query)
        assert any("api_capped_count" in sql for sql in statements), query
    # Three listings alone in a view: exact, whatever the cells.
    for i in range(3):
        make_listing(f"Ferme {i}", 6.0 + i * 0.001, 44.0)
    clusters.refresh()
    body, statements = listing(client, {"in_bbox": "5.99,43.99,6.01,44.01", "page_size": 1})
    assert (body["count"], body["count_exact"]) == (3, True)
    assert any("api_capped_count" in sql for sql in statements)
