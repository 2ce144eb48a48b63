"""Coordinates from outside are checked in Python before GEOS/GDAL sees them (issue #14).

The merchant's pin and drawn delivery zone, the checkout's delivery point, and the
answers of the geocoders (and their cache) go through ``territory/region.py``: finite
numbers within bounds, or a clear French error. A delivery zone stays within the region's
extent plus ``ZONE_MARGIN`` (a whole-world zone was accepted). The real-gunicorn proof
that a hostile zone no longer kills a worker is tests/hardening/test_gunicorn_hostile.py.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.gis.geos import Point

from geo_directory.geocoding.service import GeocodeResult, geocoder
from geo_directory.orders.services import CheckoutError, delivery_point_for
from tests.factories import make_merchant, make_own_listing
from tests.fake_ban import closed_port

from .helpers import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(client):
    user = make_merchant("garde@example.fr")
    business = make_own_listing(user)
    client.force_login(user)
    return business


def _post_zone(client, business, geometry) -> str:
    data = form_data(
        lon="5.3776",
        lat="43.2966",
        offers_delivery="on",
        delivery_zone_geojson=geometry if isinstance(geometry, str) else json.dumps(geometry),
    )
    response = client.post(f"/espace/commerces/{business.pk}/", data)
    assert response.status_code == 200, response.status_code  # the form again, with errors
    return response.content.decode()


def _square(lon0, lat0, lon1, lat1) -> dict:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_a_whole_world_zone_is_refused(client, owned):
    page = _post_zone(client, owned, _square(-179, -89, 179, 89))
    assert "zone de livraison dessinée est refusée" in page
    assert "hors limites" in page
    owned.refresh_from_db()
    assert owned.delivery_zone is None


RING = '{"type": "Polygon", "coordinates": [[[5.3, 43.2], [%s, 43.3], [5.4, 43.3], [5.3, 43.2]]]}'


@pytest.mark.parametrize(
    "raw",
    [
        RING % "NaN",
        RING % "1e999",
        '{"type": "Point", "coordinates": [5.3, 43.2]}',
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_non_finite_wrong_type_or_deep_zones_are_refused(client, owned, raw):
    page = _post_zone(client, owned, raw)
    assert "zone de livraison dessinée est" in page


def test_a_zone_around_the_shop_is_saved(client, owned):
    response = client.post(
        f"/espace/commerces/{owned.pk}/",
        form_data(
            lon="5.3776",
            lat="43.2966",
            offers_delivery="on",
            delivery_zone_geojson=json.dumps(_square(5.30, 43.25, 5.45, 43.35)),
        ),
    )
    assert response.status_code == 302
    owned.refresh_from_db()
    assert owned.delivery_zone.extent == pytest.approx((5.30, 43.25, 5.45, 43.35))


def test_a_huge_pin_is_refused_in_french(client, owned):
    response = client.post(f"/espace/commerces/{owned.pk}/", form_data(lon="1e300", lat="1e300"))
    assert response.status_code == 200
    assert "Position de l&#x27;épingle invalide" in response.content.decode()


@pytest.mark.parametrize(("lon", "lat"), [(1e300, 1e300), (1e150, 43.3), (5.4, 95.0)])
def test_the_checkout_refuses_an_unsane_delivery_point(lon, lat):
    with pytest.raises(CheckoutError, match="Position de livraison invalide"):
        delivery_point_for({"lon": lon, "lat": lat, "delivery_address": "2 La Canebière"})


class _HostileBAN(BaseHTTPRequestHandler):
    """The national address API's answer format, with the coordinates a test chooses."""

    coordinates: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": self.coordinates},
            "properties": {
                "label": "2 La Canebière 13001 Marseille",
                "score": 0.95,
                "type": "housenumber",
                "postcode": "13001",
                "citycode": "13201",
                "city": "Marseille",
            },
        }
        body = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.parametrize("coordinates", [[5.37, 1e300], [5.37, 89.0], [-60.0, 43.3]])
def test_a_geocoder_answering_unsane_coordinates_is_not_believed(settings, coordinates):
    handler = type("Handler", (_HostileBAN,), {"coordinates": coordinates})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.GEOCODER_BAN_DOMAIN = f"127.0.0.1:{server.server_address[1]}"
        settings.GEOCODER_BAN_SCHEME = "http"
        settings.GEOCODER_NOMINATIM_DOMAIN = f"127.0.0.1:{closed_port()}"
        settings.GEOCODER_NOMINATIM_SCHEME = "http"
        settings.GEOCODER_TIMEOUT = 2
        result = geocoder.geocode(f"2 La Canebière {coordinates}", postcode="13001")
    finally:
        server.shutdown()
        server.server_close()
    # Not the hostile position: the commune's centre, flagged for review.
    assert result.provider == "commune"
    assert result.precision == "municipality"


def test_a_poisoned_cache_row_is_not_believed():
    data = GeocodeResult(Point(5.37, 43.29, srid=4326), "x", "housenumber", 0.9).as_dict()
    data["lon"] = 1e300
    assert GeocodeResult.from_dict(data) is None
