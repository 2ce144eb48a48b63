"""Checkout without a point on the map: the typed address is geocoded on the server."""

import pytest

from geo_directory.orders.services import CheckoutError, delivery_point_for

pytestmark = pytest.mark.django_db


def test_a_typed_address_is_geocoded_to_its_door(fake_ban):
    delivery = delivery_point_for({"delivery_address": "2 La Canebière 13001 Marseille"})
    assert delivery.address == "2 La Canebière 13001 Marseille"
    # The real coordinates of 2 La Canebière served by the local address API.
    assert (round(delivery.point.x, 4), round(delivery.point.y, 4)) == (5.3776, 43.2966)
    assert fake_ban.requests and fake_ban.requests[0][0] == "/search"


def test_a_point_placed_on_the_map_wins_over_the_address(fake_ban):
    delivery = delivery_point_for(
        {"delivery_address": "2 La Canebière 13001 Marseille", "lon": 5.39, "lat": 43.30}
    )
    assert (delivery.point.x, delivery.point.y) == (5.39, 43.30)
    assert fake_ban.requests == []


def test_an_address_only_placed_at_the_commune_is_refused(fake_ban):
    fake_ban.stop()  # the address API is down: only the commune centre is left
    with pytest.raises(CheckoutError) as excinfo:
        delivery_point_for({"delivery_address": "12 rue Inconnue 13001 Marseille"})
    assert excinfo.value.field == "delivery_address"
    assert "carte" in str(excinfo.value)


def test_no_point_and_no_address_asks_for_the_map():
    with pytest.raises(CheckoutError, match="Placez votre porte sur la carte"):
        delivery_point_for({})
