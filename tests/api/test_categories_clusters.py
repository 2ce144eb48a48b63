"""/api/v1/categories/ and /api/v1/clusters/ against the listings they summarise."""

import pytest
from django.core.cache import cache

from geo_directory.api import clusters
from geo_directory.businesses.models import Business
from tests.factories import make_listing

pytestmark = pytest.mark.django_db


def total_count(client, query: str) -> int:
    body = client.get(f"/api/v1/businesses/?{query}").json()
    assert body["count_exact"]
    return body["count"]


def test_category_tree_counts_include_descendants(client):
    make_listing("Fromagerie du Cours", 5.3800, 43.2950, category="fromagerie")
    make_listing("Fromagerie cachée", 5.3800, 43.2950, category="fromagerie", status="pending")
    tree = client.get("/api/v1/categories/").json()
    by_slug = {node["slug"]: node for node in tree}
    food = by_slug["alimentation"]
    children = {child["slug"]: child for child in food["children"]}
    published = Business.objects.published()
    assert (
        children["fromagerie"]["count"]
        == published.filter(category__slug="fromagerie").count()
        == 1
    )
    assert food["count"] == sum(c["count"] for c in food["children"])
    assert food["count"] == published.filter(category__parent__slug="alimentation").count()
    assert sum(node["count"] for node in tree) == published.count()
    assert all(set(n) == {"slug", "label", "count", "children"} for n in tree)


def test_a_big_directory_counts_categories_once_a_minute(client, monkeypatch):
    monkeypatch.setattr(clusters, "PRECOMPUTED_MIN_ROWS", 0)  # "big" whatever its size
    cache.delete("api:published-per-category")

    def fromageries() -> int:
        tree = client.get("/api/v1/categories/").json()
        food = next(node for node in tree if node["slug"] == "alimentation")
        return next(c["count"] for c in food["children"] if c["slug"] == "fromagerie")

    make_listing("Fromagerie du Cours", 5.3800, 43.2950, category="fromagerie")
    assert fromageries() == 1
    make_listing("Fromagerie du Port", 5.3700, 43.2960, category="fromagerie")
    assert fromageries() == 1  # the counts of the last minute
    cache.delete("api:published-per-category")  # a minute later
    assert fromageries() == 2


@pytest.mark.parametrize(
    ("query", "zoom"),
    [
        ("", 6),
        ("", 8),
        ("", 11),
        ("in_bbox=5.2,43.2,5.6,43.4", 12),
        ("in_bbox=5.2,43.2,5.6,43.4&category=boulangerie", 14),
        ("departement=06", 9),
        ("q=boulangerie&open_at=2026-12-01T10:00", 8),
    ],
)
def test_live_clusters_add_up_to_the_filtered_total(client, query, zoom):
    body = client.get(f"/api/v1/clusters/?zoom={zoom}&{query}").json()
    assert body["mode"] == "live"
    counts = [f["properties"]["count"] for f in body["features"]]
    assert sum(counts) == total_count(client, query or "page_size=1")
    assert len(body["features"]) <= 400


def test_single_listing_clusters_carry_the_listing(client):
    body = client.get("/api/v1/clusters/?zoom=14&in_bbox=5.2,43.2,5.6,43.4").json()
    singles = [f["properties"] for f in body["features"] if f["properties"]["count"] == 1]
    assert singles
    for props in singles:
        business = Business.objects.get(pk=props["id"])
        assert props["name"] == business.name and props["category"] == business.category.slug


def test_clusters_stay_few_even_zoomed_in_on_a_big_viewport(client):
    body = client.get("/api/v1/clusters/?zoom=18&in_bbox=4.3,43.0,7.7,45.1").json()
    assert len(body["features"]) <= 400
    assert body["cell_m"] > 1000


def test_precomputed_clusters_add_up_for_the_whole_region(client, monkeypatch):
    # A SIRENE record of a shop already listed from OSM: hidden, so not counted.
    primary = Business.objects.published().first()
    make_listing("Doublon SIRENE", primary.location.x, primary.location.y, merged_into=primary)
    clusters.refresh()
    monkeypatch.setattr(clusters, "PRECOMPUTED_MIN_ROWS", 0)
    published = total_count(client, "page_size=1")
    assert published == Business.objects.published().count() > 200
    for zoom in (6, 8, 10):
        body = client.get(f"/api/v1/clusters/?zoom={zoom}").json()
        assert body["mode"] == "precomputed"
        assert sum(f["properties"]["count"] for f in body["features"]) == published
    bakeries = client.get("/api/v1/clusters/?zoom=8&category=alimentation").json()
    assert bakeries["mode"] == "precomputed"
    assert sum(f["properties"]["count"] for f in bakeries["features"]) == total_count(
        client, "category=alimentation"
    )
    # A filter the cells cannot answer falls back to the exact live grouping.
    assert client.get("/api/v1/clusters/?zoom=8&service=pickup").json()["mode"] == "live"


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for name in ("in_bbox", "point", "dist", "open_at", "zoom", "page_size"):
        assert f"name: {name}" in text
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn" not in html.lower()
