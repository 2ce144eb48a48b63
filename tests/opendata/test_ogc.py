"""The OGC API – Features service (/api/features/) on the real listings: the standard's
resources, keyset paging, bbox through the spatial index, French exception JSON."""

import pytest
from django.db import connection

from geo_directory.businesses.models import Business
from geo_directory.opendata import params, queries
from geo_directory.opendata.public import PROPERTIES
from tests.factories import make_listing

pytestmark = pytest.mark.django_db
ROOT = "/api/features"
ITEMS = f"{ROOT}/collections/businesses/items"
MARSEILLE = "5.2,43.15,5.55,43.42"


def get_json(client, url, status=200, **query):
    response = client.get(url, query)
    assert response.status_code == status, response.content[:400]
    return response


def walk(client, url) -> tuple[list[int], list[dict]]:
    """Every id, following the ``next`` links; and each page's body."""
    ids, pages = [], []
    while url:
        body = client.get(url).json()
        pages.append(body)
        ids.extend(feature["id"] for feature in body["features"])
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        assert len(pages) < 500
    return ids, pages


def db_bbox_ids(min_lon, min_lat, max_lon, max_lat) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM businesses_business WHERE status = 'published'"
            " AND merged_into_id IS NULL AND ST_X(location) BETWEEN %s AND %s"
            " AND ST_Y(location) BETWEEN %s AND %s ORDER BY id",
            [min_lon, max_lon, min_lat, max_lat],
        )
        return [row[0] for row in cursor.fetchall()]


def test_landing_page_links_to_the_definition_conformance_and_data(client):
    response = get_json(client, f"{ROOT}/")
    assert response["Content-Type"] == "application/json"
    rels = {link["rel"]: link for link in response.json()["links"]}
    assert {"self", "service-desc", "conformance", "data", "license"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert rels["data"]["href"].endswith("/api/features/collections")
    assert get_json(client, ROOT).json() == response.json()  # without the slash too


def test_conformance_declares_core_geojson_and_openapi(client):
    classes = get_json(client, f"{ROOT}/conformance").json()["conformsTo"]
    assert set(classes) == {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    }


def test_openapi_definition_documents_the_limit(client):
    response = get_json(client, f"{ROOT}/api")
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    doc = response.json()
    assert doc["openapi"].startswith("3.0")
    items = doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    limit = next(p for p in items if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (
        1,
        params.MAX_LIMIT,
        params.DEFAULT_LIMIT,
    )


def test_collections_describe_businesses_in_crs84(client):
    body = get_json(client, f"{ROOT}/collections").json()
    [collection] = body["collections"]
    assert collection["id"] == "businesses"
    assert collection["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
    assert len(collection["extent"]["spatial"]["bbox"][0]) == 4
    items = next(link for link in collection["links"] if link["rel"] == "items")
    assert items["type"] == "application/geo+json"
    schema_link = next(link for link in collection["links"] if link["rel"] == "describedby")
    schema = client.get(schema_link["href"])
    assert schema["Content-Type"] == "application/schema+json"
    assert set(schema.json()["properties"]["properties"]["properties"]) == set(PROPERTIES)
    enclosures = {link["type"] for link in collection["links"] if link["rel"] == "enclosure"}
    assert enclosures == {"application/geo+json", "text/csv"}
    assert get_json(client, f"{ROOT}/collections/businesses").json() == collection
    error = get_json(client, f"{ROOT}/collections/shops", status=404).json()
    assert error["code"] == "NotFound" and "Collection inconnue" in error["description"]


def test_paging_walks_every_published_listing_once_in_id_order(client):
    published = sorted(Business.objects.published().values_list("id", flat=True))
    first = get_json(client, ITEMS, limit=50)
    assert first["Content-Type"] == "application/geo+json"
    body = first.json()
    assert body["numberMatched"] == len(published) == 212
    assert body["numberReturned"] == 50 == len(body["features"])
    assert not any(link["rel"] == "prev" for link in body["links"])
    ids, pages = walk(client, f"{ITEMS}?limit=50")
    assert ids == published
    assert [page["numberReturned"] for page in pages] == [50, 50, 50, 50, 12]
    assert all(page["numberMatched"] == 212 for page in pages)
    # Keyset: the next page starts after the last id, not at an offset.
    nexts = [link["href"] for link in pages[0]["links"] if link["rel"] == "next"]
    assert nexts == [f"http://testserver{ITEMS}?limit=50&after={published[49]}"]


def test_prev_links_walk_back_to_the_first_page(client):
    published = sorted(Business.objects.published().values_list("id", flat=True))
    body = get_json(client, ITEMS, limit=40, after=published[119]).json()
    assert [f["id"] for f in body["features"]] == published[120:160]
    seen = []
    url = next(link["href"] for link in body["links"] if link["rel"] == "prev")
    while url:
        page = client.get(url).json()
        seen = [f["id"] for f in page["features"]] + seen
        url = next((link["href"] for link in page["links"] if link["rel"] == "prev"), None)
    assert seen == published[:120]
    back = get_json(client, ITEMS, limit=40, before=published[40]).json()
    assert [f["id"] for f in back["features"]] == published[:40]
    assert not any(link["rel"] == "prev" for link in back["links"])
    following = next(link["href"] for link in back["links"] if link["rel"] == "next")
    assert [f["id"] for f in client.get(following).json()["features"]] == published[40:80]


def test_bbox_returns_exactly_the_listings_in_the_box(client):
    box = [float(v) for v in MARSEILLE.split(",")]
    expected = db_bbox_ids(*box)
    assert 10 < len(expected) < 212
    ids, pages = walk(client, f"{ITEMS}?bbox={MARSEILLE}&limit=7")
    assert ids == expected
    assert pages[0]["numberMatched"] == len(expected)
    # 6 numbers (with heights) are the same box.
    body = get_json(client, ITEMS, bbox="5.2,43.15,-10,5.55,43.42,1000", limit=1000).json()
    assert [f["id"] for f in body["features"]] == expected


def test_bbox_paging_through_the_primary_key_gives_the_same_pages(client, monkeypatch):
    """The two plans of queries.page_ids (GiST + top-N sort, or the id walk) agree."""
    gist, _ = walk(client, f"{ITEMS}?bbox={MARSEILLE}&limit=9")
    monkeypatch.setattr(queries, "SORT_AT_MOST", 0)
    walked, _ = walk(client, f"{ITEMS}?bbox={MARSEILLE}&limit=9")
    assert walked == gist and gist


def test_bbox_across_the_antimeridian_is_its_two_sides(client):
    # West edge east of the east edge: longitudes >= 5.45 or <= 5.3 (the standard's rule).
    split = get_json(client, ITEMS, bbox="5.45,43.15,5.3,43.42", limit=1000).json()
    west, east = db_bbox_ids(-180, 43.15, 5.3, 43.42), db_bbox_ids(5.45, 43.15, 180, 43.42)
    assert [f["id"] for f in split["features"]] == sorted(west + east)
    assert split["numberMatched"] == len(west) + len(east)


def test_a_box_far_from_france_is_valid_and_empty(client):
    body = get_json(client, ITEMS, bbox="100,-40,120,-20").json()
    assert body["numberMatched"] == 0 and body["features"] == []


@pytest.mark.parametrize(
    "query, words",
    [
        ({"bbox": "5.2,43.1,5.5"}, "4 nombres"),
        ({"bbox": "nan,43,5.5,43.5"}, "nombres finis"),
        ({"bbox": "5,43,inf,44"}, "nombres finis"),
        ({"bbox": "5,43,1e308,44"}, "hors limites"),
        ({"bbox": "5,95,6,96"}, "hors limites"),
        ({"bbox": "5,44,6,43"}, "latitude minimale"),
        ({"bbox": "a,b,c,d"}, "nombres"),
        ({"limit": "0"}, "entre 1"),
        ({"limit": "-3"}, "entier positif"),
        ({"limit": "dix"}, "entier positif"),
        ({"limit": "9" * 40}, "entier positif"),
        ({"after": "1.5"}, "entier positif"),
        ({"after": "3", "before": "9"}, "ne vont pas ensemble"),
        ({"datetime": "hier"}, "RFC 3339"),
        ({"datetime": "2026-11-29T08:00:00"}, "RFC 3339"),
        ({"datetime": "../.."}, "au moins une borne"),
        ({"datetime": "2026-12-01/2026-11-01"}, "début est après"),
        ({"bbox-crs": "EPSG:2154"}, "Paramètre inconnu"),
        ({"f": "html"}, "non disponible"),
    ],
)
def test_bad_parameters_get_a_french_ogc_exception(client, query, words):
    response = get_json(client, ITEMS, status=400, **query)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert words in body["description"]


def test_a_limit_above_the_maximum_is_the_maximum(client):
    body = get_json(client, ITEMS, limit=params.MAX_LIMIT + 1).json()
    assert body["numberReturned"] == 212  # all of them: fewer than the maximum
    nothing_left = [link for link in body["links"] if link["rel"] == "next"]
    assert nothing_left == []


def test_datetime_filters_on_the_last_update(client):
    old = make_listing("Ancienne boutique", 5.37, 43.30)
    Business.objects.filter(pk=old.pk).update(updated_at="2020-01-15T10:00:00Z")
    body = get_json(client, ITEMS, datetime="2020-01-15").json()
    assert [f["id"] for f in body["features"]] == [old.pk]
    body = get_json(client, ITEMS, datetime="../2020-01-15T09:59:59Z").json()
    assert body["features"] == []
    body = get_json(client, ITEMS, datetime="2020-01-01T00:00:00Z/2020-02-01", limit=5).json()
    assert [f["id"] for f in body["features"]] == [old.pk]
    after = get_json(client, ITEMS, datetime="2020-02-01/..", limit=1).json()
    assert after["numberMatched"] == 212


def test_one_item_and_unknown_ones(client):
    listing = Business.objects.published().order_by("id").first()
    response = get_json(client, f"{ITEMS}/{listing.pk}")
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["id"] == listing.pk and body["properties"]["name"] == listing.name
    position = [listing.location.x, listing.location.y]
    assert body["geometry"]["coordinates"] == pytest.approx(position)
    for missing in ("999999999", "abc", "1.0", "-1", "9" * 30):
        error = get_json(client, f"{ITEMS}/{missing}", status=404).json()
        assert error["code"] == "NotFound"
