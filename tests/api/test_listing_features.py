"""Issue #19: a listing's features, built by position from the page's rows (features.page_features),
field by field against the listings read through the ORM: each field's value, its JSON type
and the properties' order (the JSON bytes are the API's contract), on one page mixing
categories, communes, listings with and without hours, with a distance."""

import datetime as dt

import pytest

from geo_directory.businesses.hours_text import describe_fr
from geo_directory.businesses.models import Business
from geo_directory.orders.models import Campaign
from tests.factories import make_listing

from .conftest import LIST_PROPERTIES, features

pytestmark = pytest.mark.django_db
URL = "/api/v1/businesses/"
HERE = (5.3698, 43.2951)
ORDER = LIST_PROPERTIES


def expected_properties(business: Business, open_ids: set[int], ordering: set[int]) -> dict:
    category, commune = business.category, business.commune
    return {
        "name": business.name,
        "category": category.slug,
        "category_label": category.label,
        "street": business.street,
        "postcode": business.postcode,
        "commune": business.commune_id,
        "commune_name": commune.name if commune else None,
        "phone": business.phone,
        "email": business.email,
        "website": business.website,
        "opening_hours": business.opening_hours,
        "hours_text": describe_fr(business.opening_hours),
        "open_now": business.pk in open_ids,
        "takes_orders": business.pk in ordering,
        "offers_pickup": business.offers_pickup,
        "offers_delivery": business.offers_delivery,
        "url": business.get_absolute_url(),
    }


def test_a_pages_features_field_by_field(client):
    # Beside the real listings: one without hours (open_now is NULL in SQL: false here),
    # one always open, one taking orders, of other categories than their neighbours'.
    make_listing("Sans Horaires Épicerie", HERE[0] + 0.0001, HERE[1], category="alimentation")
    make_listing("Toujours Ouvert", HERE[0] - 0.0001, HERE[1], opening_hours="24/7")
    orders = make_listing("Commande Fleurs", *HERE, offers_pickup=True)
    Campaign.objects.create(
        business=orders, name="Noël", cutoff_at=dt.datetime(2099, 12, 20, tzinfo=dt.UTC)
    )
    found = features(client.get(URL, {"point": f"{HERE[0]},{HERE[1]}", "page_size": 60}))
    assert len(found) == 60
    pks = [f["id"] for f in found]
    businesses = Business.objects.select_related("category", "commune").in_bulk(pks)
    now = dt.datetime.now(dt.UTC)
    open_ids = set(Business.objects.filter(pk__in=pks).open_at(now).values_list("pk", flat=True))
    ordering = set(Campaign.objects.open_at(now).values_list("business_id", flat=True))
    assert len({b.category_id for b in businesses.values()}) >= 3
    for feature in found:
        business = businesses[feature["id"]]
        properties = feature["properties"]
        distance = properties.pop("distance_m")
        assert list(properties) == ORDER
        assert properties == expected_properties(business, open_ids, ordering)
        assert type(properties["open_now"]) is bool and type(properties["takes_orders"]) is bool
        assert isinstance(distance, float) and round(distance, 1) == distance
        assert list(feature) == ["type", "id", "geometry", "properties"]
        assert feature["geometry"] == {
            "type": "Point",
            "coordinates": [business.location.x, business.location.y],
        }
    by_name = {f["properties"]["name"]: f["properties"] for f in found}
    assert by_name["Sans Horaires Épicerie"]["open_now"] is False
    assert by_name["Toujours Ouvert"]["open_now"] is True
    assert by_name["Commande Fleurs"]["takes_orders"] is True


def test_the_detail_has_the_listings_fields_and_its_own(client):
    shop = make_listing("Toujours Ouvert", *HERE, opening_hours="24/7", description="Pain")
    listed = features(client.get(URL, {"point": f"{HERE[0]},{HERE[1]}", "page_size": 1}))[0]
    detail = client.get(f"{URL}{shop.pk}/").json()
    assert listed["id"] == detail["id"] == shop.pk
    listed["properties"].pop("distance_m")
    common = {key: detail["properties"][key] for key in listed["properties"]}
    assert common == listed["properties"]
    assert list(detail["properties"])[: len(ORDER)] == ORDER
    assert detail["properties"]["description"] == "Pain"
    assert detail["properties"]["photos"] == []
