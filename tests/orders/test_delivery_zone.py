"""Delivery zones on real coordinates, the delivers-to API and the « qui livre » page."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from geo_directory.businesses.models import Business
from geo_directory.orders.services import CheckoutError, Delivery, place_order
from geo_directory.orders.zones import businesses_delivering_to
from tests.factories import (
    AIX_MIRABEAU,
    CANEBIERE,
    PAUL_NARVIK,
    customer,
    lines,
    make_campaign,
    make_product,
    make_slot,
    set_zone_radius,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/delivers-to/"


@pytest.fixture
def paul():
    """The real Paul of square Narvik (demo data), delivering within 3 km (rolled back)."""
    business = Business.objects.get(name="Paul", street__icontains="Narvik")
    assert business.status == Business.Status.PUBLISHED
    assert business.location.coords == pytest.approx(PAUL_NARVIK)
    Business.objects.filter(pk=business.pk).update(delivery_fee_cents=500)
    set_zone_radius(business, 3000)
    return business


def at_distance(business, metres, azimuth_deg):
    """The point ``metres`` away on the spheroid, and its ST_Distance(geography) check."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH p AS (SELECT ST_Project(location::geography, %s, radians(%s))::geometry AS g"
            "  FROM businesses_business WHERE id = %s)"
            " SELECT ST_X(g), ST_Y(g), ST_Distance(g::geography, b.location::geography)"
            " FROM p, businesses_business b WHERE b.id = %s",
            [metres, azimuth_deg, business.pk, business.pk],
        )
        lon, lat, distance = cursor.fetchone()
    assert distance == pytest.approx(metres, abs=0.5)
    return Point(lon, lat, srid=4326)


def ids_delivering_to(lon, lat):
    return set(businesses_delivering_to(Point(lon, lat, srid=4326)).values_list("id", flat=True))


def test_la_canebiere_is_in_and_aix_is_out(paul):
    assert paul.pk in ids_delivering_to(*CANEBIERE)
    assert paul.pk not in ids_delivering_to(*AIX_MIRABEAU)


@pytest.mark.parametrize("azimuth", [0, 37, 90, 145, 200, 290])
def test_the_edge_of_a_3_km_radius(paul, azimuth):
    inside = at_distance(paul, 2990, azimuth)
    outside = at_distance(paul, 3010, azimuth)
    assert paul.pk in ids_delivering_to(inside.x, inside.y)
    assert paul.pk not in ids_delivering_to(outside.x, outside.y)


def test_api_feature_collection(client, paul, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(API, {"point": "{},{}".format(*CANEBIERE)})
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    feature = next(f for f in data["features"] if f["id"] == paul.pk)
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": list(PAUL_NARVIK)}
    assert feature["properties"] == {
        "name": "Paul",
        "category": paul.category.slug,
        "category_label": paul.category.label,
        "commune": "Marseille",
        "delivery_fee_cents": 500,
        "delivery_min_order_cents": None,
    }
    far = client.get(API, {"point": "{},{}".format(*AIX_MIRABEAU)}).json()
    assert paul.pk not in {f["id"] for f in far["features"]}


def test_api_unpublished_or_not_delivering_are_left_out(client, paul):
    Business.objects.filter(pk=paul.pk).update(offers_delivery=False)
    assert client.get(API, {"point": "{},{}".format(*CANEBIERE)}).json()["features"] == []
    Business.objects.filter(pk=paul.pk).update(offers_delivery=True, status="closed")
    assert client.get(API, {"point": "{},{}".format(*CANEBIERE)}).json()["features"] == []


@pytest.mark.parametrize(
    "raw", [None, "", "5.38", "abc,def", "5.38,43.30,1", "200,43", "5.38,95", "nan,43"]
)
def test_api_bad_point_is_a_400_with_the_field(client, raw):
    response = client.get(API, {} if raw is None else {"point": raw})
    assert response.status_code == 400
    assert set(response.json()) == {"errors"}
    assert response.json()["errors"]["point"]


def test_the_query_uses_the_gist_index_on_delivery_zone(paul):
    queryset = businesses_delivering_to(Point(*CANEBIERE, srid=4326))
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "delivery_zone" in plan and "Index" in plan, plan


def test_delivery_checkout_checks_zone_minimum_and_fee(paul):
    Business.objects.filter(pk=paul.pk).update(delivery_min_order_cents=3000)
    paul.refresh_from_db()
    campaign = make_campaign(paul)
    slot = make_slot(campaign, kind="delivery", hour=17)
    menu = make_product(paul, price_cents=2000)
    with pytest.raises(CheckoutError, match="hors de la zone"):
        place_order(
            paul,
            lines((menu, 2)),
            slot.pk,
            "delivery",
            customer(),
            delivery=Delivery(Point(*AIX_MIRABEAU, srid=4326), "Cours Mirabeau, Aix"),
        )
    canebiere = Delivery(Point(*CANEBIERE, srid=4326), "50 La Canebière, Marseille")
    with pytest.raises(CheckoutError, match="minimum de commande de 30,00 €"):
        place_order(paul, lines((menu, 1)), slot.pk, "delivery", customer(), delivery=canebiere)
    order = place_order(paul, lines((menu, 2)), slot.pk, "delivery", customer(), delivery=canebiere)
    assert (order.subtotal_cents, order.delivery_fee_cents, order.total_cents) == (4000, 500, 4500)
    assert order.delivery_address == "50 La Canebière, Marseille"


def test_qui_livre_chez_moi_page(client, paul):
    response = client.get("/livraison/", {"point": "{},{}".format(*CANEBIERE)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Qui livre chez moi" in html and "Paul" in html and "5,00 €" in html
    assert client.get("/livraison/", {"point": "n'importe quoi"}).status_code == 400
    assert client.get("/livraison/").status_code == 200
