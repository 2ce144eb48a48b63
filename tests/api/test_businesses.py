"""/api/v1/businesses/ on the real listings (and a few of our own where needed)."""

import datetime as dt

import pytest
from django.db import connection

from geo_directory.businesses import hours
from geo_directory.businesses.models import Business
from tests.factories import make_listing

from .conftest import LIST_PROPERTIES, features, ids

pytestmark = pytest.mark.django_db
URL = "/api/v1/businesses/"
VIEUX_PORT = (5.3698, 43.2951)
PROPERTIES = set(LIST_PROPERTIES)  # "url": the shop page's path (geo_directory/shops)


def sql_ids(where: str, params=()) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM businesses_business WHERE status = 'published' AND {where}", params
        )
        return {row[0] for row in cursor.fetchall()}


def all_ids(client, query: str) -> list[int]:
    """Every id of a listing, following the next links."""
    found, url = [], f"{URL}?{query}&page_size=200"
    while url:
        body = client.get(url).json()
        found.extend(f["id"] for f in body["features"])
        url = body["next"]
    return found


def test_feature_collection_follows_the_contract(client):
    body = client.get(URL, {"page_size": 5}).json()
    assert body["count"] == Business.objects.published().count() == 212
    assert body["previous"] is None and body["next"].endswith("page=2&page_size=5")
    feature = body["features"][0]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    assert set(feature["properties"]) == PROPERTIES
    business = Business.objects.get(pk=feature["id"])
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [business.location.x, business.location.y],
    }
    assert feature["properties"]["category"] == business.category.slug
    assert feature["properties"]["commune"] == business.commune_id
    assert feature["properties"]["commune_name"] == business.commune.name


def test_only_published_listings_are_listed(client):
    hidden = make_listing("Boulangerie en attente", *VIEUX_PORT, status="pending")
    assert hidden.id not in all_ids(client, "commune=13055")
    assert client.get(f"{URL}{hidden.id}/").status_code == 404


def test_nearest_first_matches_postgis_geography_distance(client):
    lon, lat = VIEUX_PORT
    found = features(client.get(URL, {"point": f"{lon},{lat}", "page_size": 60}))
    assert len(found) == 60
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_Distance(location::geography,"
            " ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"
            " FROM businesses_business WHERE status = 'published' ORDER BY 2 LIMIT 60",
            [lon, lat],
        )
        truth = cursor.fetchall()
    exact = dict(truth)
    distances = [f["properties"]["distance_m"] for f in found]
    # distance_m is the spheroid distance, to 0.1 m.
    for feature in found:
        if feature["id"] in exact:
            assert feature["properties"]["distance_m"] == pytest.approx(
                exact[feature["id"]], abs=0.1
            )
    # The order (Lambert-93) may swap two listings whose true distances differ by < 0.1 %.
    assert all(b >= a * (1 - 0.001) for a, b in zip(distances, distances[1:], strict=False))
    true_order = [d for _, d in truth]
    for got, expected in zip(distances, true_order, strict=True):
        assert got == pytest.approx(expected, rel=0.001)


def test_radius_returns_exactly_the_listings_within_dist(client):
    lon, lat = VIEUX_PORT
    found = all_ids(client, f"point={lon},{lat}&dist=3000")
    truth = sql_ids(
        "ST_DWithin(location::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, 3000)",
        [lon, lat],
    )
    assert truth and set(found) == truth and len(found) == len(truth)
    body = client.get(URL, {"point": f"{lon},{lat}", "dist": 3000}).json()
    assert body["count"] == len(truth)
    assert all(f["properties"]["distance_m"] <= 3000 for f in body["features"])


def test_bbox_returns_the_listings_in_the_viewport(client):
    box = (5.35, 43.26, 5.45, 43.33)
    found = all_ids(client, "in_bbox=" + ",".join(map(str, box)))
    truth = sql_ids("location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", box)
    assert truth and sorted(found) == sorted(truth)


def test_commune_and_departement(client):
    marseille = all_ids(client, "commune=13055")
    assert set(marseille) == set(
        Business.objects.published().filter(commune_id="13055").values_list("id", flat=True)
    )
    alpes = all_ids(client, "departement=05")
    assert alpes and set(alpes) == set(
        Business.objects.published()
        .filter(commune__departement_id="05")
        .values_list("id", flat=True)
    )
    nested = client.get("/api/v1/communes/13055/businesses/", {"page_size": 200}).json()
    assert sorted(f["id"] for f in nested["features"]) == sorted(marseille)


def test_a_parent_category_includes_its_children_and_several_are_allowed(client):
    bakeries = set(all_ids(client, "category=boulangerie"))
    food = set(all_ids(client, "category=alimentation"))
    assert bakeries and food == bakeries  # the real listings' food shops are bakeries
    bazaars = set(all_ids(client, "category=bazar"))
    assert set(all_ids(client, "category=boulangerie,bazar")) == bakeries | bazaars
    assert set(all_ids(client, "category=boulangerie&category=bazar")) == bakeries | bazaars
    expected = (
        Business.objects.published().filter(category__slug__in=["boulangerie", "bazar"]).count()
    )
    assert len(bakeries | bazaars) == expected


def test_name_search_forgives_accents_case_and_typos_ranked(client):
    exact = make_listing("Boulangerie-pâtisserie des Accoules", 5.3712, 43.2980)
    accented = ids(client.get(URL, {"q": "boulangerie pâtissière"}))
    plain = ids(client.get(URL, {"q": "BOULANGERIE patissiere"}))
    assert accented == plain and accented[0] == exact.id
    typo = features(client.get(URL, {"q": "Boulagerie", "page_size": 200}))
    names = {f["properties"]["name"] for f in typo}
    assert "Boulangerie Marie Blachère" in names
    # « Boulagerie » is also the bakery trade (api/query_words.py): its listings (Paul)
    # come after the names having the word.
    bakeries = set(
        Business.objects.published()
        .filter(category__slug="boulangerie")
        .values_list("name", flat=True)
    )
    assert all("boulangerie" in n.lower() or n in bakeries for n in names)
    assert not ids(client.get(URL, {"q": "quincaillerie zygomatique"}))


@pytest.mark.parametrize(
    "when",
    ["2026-12-01T10:00", "2026-12-01T03:00", "2026-12-06T11:30", "2026-12-22T18:45+01:00"],
)
def test_open_at_agrees_with_the_opening_hours_engine(client, when):
    instant = dt.datetime.fromisoformat(when)
    expected = {
        b.id
        for b in Business.objects.published().exclude(opening_hours="")
        if hours.is_open(b.opening_hours, instant)
    }
    found = set(all_ids(client, f"open_at={when.replace('+', '%2B')}"))
    assert found == expected


def test_open_now_flag_and_filter(client):
    always = make_listing("Boulangerie de garde", *VIEUX_PORT, opening_hours="24/7")
    never = make_listing("Boulangerie fermée", *VIEUX_PORT, opening_hours="off")
    found = features(client.get(URL, {"open_now": "true", "commune": "13055", "page_size": 200}))
    assert always.id in {f["id"] for f in found} and never.id not in {f["id"] for f in found}
    assert all(f["properties"]["open_now"] for f in found)
    closed = all_ids(client, "open_now=false&commune=13055")
    assert never.id in closed and always.id not in closed


def test_service_filter(client):
    pickup = make_listing("Boulangerie à emporter", *VIEUX_PORT, offers_pickup=True)
    delivery = make_listing("Boulangerie qui livre", *VIEUX_PORT, offers_delivery=True)
    assert (
        set(all_ids(client, "service=pickup"))
        == set(Business.objects.published().filter(offers_pickup=True).values_list("id", flat=True))
        >= {pickup.id}
    )
    assert delivery.id in all_ids(client, "service=delivery")
    assert delivery.id not in all_ids(client, "service=pickup")


def test_filters_combine(client):
    lon, lat = VIEUX_PORT
    mine = make_listing(
        "Boulangerie du Panier", 5.3680, 43.2990, opening_hours="24/7", offers_delivery=True
    )
    query = {
        "point": f"{lon},{lat}",
        "dist": 5000,
        "category": "alimentation",
        "open_at": "2026-12-01T10:00",
        "service": "delivery",
        "q": "boulangerie",
    }
    found = features(client.get(URL, query))
    assert [f["id"] for f in found] == [mine.id]
    # Each filter alone keeps more; together they keep the intersection.
    radius = set(all_ids(client, f"point={lon},{lat}&dist=5000"))
    food = set(all_ids(client, "category=alimentation&commune=13055"))
    both = set(all_ids(client, f"point={lon},{lat}&dist=5000&category=alimentation"))
    assert both == radius & set(all_ids(client, "category=alimentation"))
    assert food & radius <= both


def test_pagination_walks_every_listing_once(client):
    walked = all_ids(client, "page_size=37")
    assert len(walked) == len(set(walked)) == 212
    page2 = client.get(URL, {"page_size": 37, "page": 2}).json()
    assert [f["id"] for f in page2["features"]] == walked[37:74]
    assert page2["previous"].endswith("page_size=37") and "page=3" in page2["next"]
    last = client.get(URL, {"page_size": 50, "page": 5}).json()
    assert len(last["features"]) == 12 and last["next"] is None and last["count"] == 212


def test_distance_pages_continue_in_order(client):
    lon, lat = VIEUX_PORT
    first = features(client.get(URL, {"point": f"{lon},{lat}", "page_size": 10}))
    second = features(client.get(URL, {"point": f"{lon},{lat}", "page_size": 10, "page": 2}))
    distances = [f["properties"]["distance_m"] for f in first + second]
    assert distances == sorted(distances)
    assert not {f["id"] for f in first} & {f["id"] for f in second}


def test_detail_has_every_public_field(client):
    business = make_listing(
        "Boulangerie Saint-Victor",
        5.3660,
        43.2905,
        description="Pain au levain, navettes.",
        phone="04 91 00 00 00",
    )
    body = client.get(f"{URL}{business.id}/").json()
    assert body["id"] == business.id and body["type"] == "Feature"
    assert body["properties"]["description"] == "Pain au levain, navettes."
    assert body["properties"]["phone"] == "04 91 00 00 00"
    assert set(body["properties"]) >= PROPERTIES
    assert client.get(f"{URL}999999999/").status_code == 404
