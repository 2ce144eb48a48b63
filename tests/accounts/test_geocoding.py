import json
import urllib.request

import pytest
from django.contrib.gis.geos import Point

from geo_directory.businesses.models import Business, Category
from geo_directory.geocoding.models import GeocodeCache, ReviewItem
from geo_directory.geocoding.service import GeocodingFailed, geocoder

pytestmark = pytest.mark.django_db


def test_fake_server_speaks_the_national_api_format(fake_ban):
    url = f"http://{fake_ban.domain}/search/?q=2+La+Canebi%C3%A8re+Marseille"
    body = json.load(urllib.request.urlopen(url, timeout=2))
    assert body["type"] == "FeatureCollection"
    props = body["features"][0]["properties"]
    for key in (
        "label",
        "score",
        "housenumber",
        "id",
        "name",
        "postcode",
        "citycode",
        "x",
        "y",
        "city",
        "context",
        "type",
        "importance",
        "street",
    ):
        assert key in props
    assert props["label"] == "2 La Canebière 13001 Marseille"
    assert body["features"][0]["geometry"]["coordinates"] == [5.3776, 43.2966]


def test_geocode_house_number_through_ban(fake_ban):
    result = geocoder.geocode("2 La Canebière", postcode="13001")
    assert result.provider == "ban"
    assert result.precision == "housenumber"
    assert result.score >= 0.5
    assert (round(result.point.x, 4), round(result.point.y, 4)) == (5.3776, 43.2966)
    assert result.citycode == "13201" and result.postcode == "13001"
    assert not result.needs_review
    assert fake_ban.requests[-1][1]["postcode"] == "13001"


def test_results_are_cached_in_the_database(fake_ban):
    geocoder.geocode("1 Place Masséna Nice")
    calls = len(fake_ban.requests)
    again = geocoder.geocode("1 place MASSENA, nice")  # same normalised query
    assert len(fake_ban.requests) == calls
    assert again.label == "1 Place Masséna 06000 Nice"
    assert GeocodeCache.objects.filter(provider="ban").count() == 1


def test_municipality_result_needs_review(fake_ban):
    result = geocoder.geocode("Marseille")
    assert result.precision == "municipality"
    assert result.needs_review


def test_fallback_chain_ends_at_commune_centre_when_servers_are_down(fake_ban):
    fake_ban.stop()
    result = geocoder.geocode("1 Place Jean Marcellin", postcode="05000")
    assert result.provider == "commune"
    assert result.precision == "municipality"
    assert result.citycode == "05061"  # Gap
    assert result.needs_review
    # Unreachable providers are not cached.
    assert not GeocodeCache.objects.exists()


def test_commune_centre_from_a_marseille_arrondissement_code(fake_ban):
    fake_ban.stop()
    result = geocoder.geocode("rue inconnue", citycode="13201")
    assert result.citycode == "13055"


def test_nothing_works_raises_a_french_message(fake_ban):
    fake_ban.stop()
    with pytest.raises(GeocodingFailed, match="Adresse introuvable"):
        geocoder.geocode("quelque part sans code postal")


def test_reverse_gives_the_address_back(fake_ban):
    result = geocoder.reverse(Point(5.37765, 43.29662, srid=4326))
    assert result.label == "2 La Canebière 13001 Marseille"
    assert result.precision == "housenumber"


def test_reverse_returns_none_when_the_server_is_down(fake_ban):
    fake_ban.stop()
    assert geocoder.reverse(Point(5.3776, 43.2966, srid=4326)) is None


def _business(**kwargs):
    return Business(name="Boulangerie Test", category=Category.objects.first(), **kwargs)


def test_place_and_save_a_good_address(fake_ban):
    business = geocoder.place_and_save(_business(street="10 La Canebière", postcode="13001"))
    assert business.commune_id == "13055"
    assert business.geocode_precision == "housenumber"
    assert not business.review_items.exists()


def test_failed_geocoding_puts_the_listing_in_the_review_queue(fake_ban):
    fake_ban.stop()
    business = geocoder.place_and_save(
        _business(street="12 avenue de Nulle Part", postcode="05000", status="published")
    )
    business.refresh_from_db()
    assert business.status == "pending"
    assert business.geocode_precision == "municipality"
    item = ReviewItem.objects.get(business=business)
    assert item.reason == "low_precision"


def test_no_position_at_all_is_queued_not_placed(fake_ban):
    fake_ban.stop()
    business = geocoder.place_and_save(_business(street="nulle part"))
    assert business.location is None and business.status == "pending"
    assert business.review_items.get().reason == "geocoding_failed"


def test_json_endpoints(client, fake_ban):
    response = client.get("/geocodage/", {"q": "2 La Canebière 13001 Marseille"})
    assert response.status_code == 200
    assert response.json()["lon"] == 5.3776
    assert client.get("/geocodage/", {"q": ""}).status_code == 400
    assert client.get("/geocodage/inverse/", {"lon": "abc", "lat": "43"}).status_code == 400
    reverse = client.get("/geocodage/inverse/", {"lon": "5.3776", "lat": "43.2966"}).json()
    assert reverse["label"].startswith("2 La Canebière") and reverse["commune_code"] == "13055"
    outside = client.get("/geocodage/inverse/", {"lon": "2.35", "lat": "48.85"})
    assert outside.status_code == 422
    assert "hors de la Région Sud" in outside.json()["error"]


def test_nominatim_is_the_second_step_of_the_chain(fake_ban, settings):
    from tests.fake_ban import FakeNominatim

    fake_ban.stop()
    with FakeNominatim() as nominatim:
        settings.GEOCODER_NOMINATIM_DOMAIN = nominatim.domain
        result = geocoder.geocode("1 Place de l'Horloge", postcode="84000")
        assert nominatim.requests[-1][0] == "/search"
    assert result.provider == "nominatim"
    assert result.precision == "housenumber"
    assert (result.point.x, result.point.y) == (4.8075, 43.9497)
    assert result.postcode == "84000"


def test_empty_nominatim_domain_disables_it(fake_ban, settings):
    settings.GEOCODER_NOMINATIM_DOMAIN = ""
    fake_ban.stop()
    result = geocoder.geocode("1 Place de la Liberté", postcode="83000")
    assert result.provider == "commune" and result.citycode == "83137"


def test_endpoints_are_rate_limited(client, fake_ban, settings, rate_window):
    from django.core.cache import cache

    cache.clear()
    settings.GEOCODER_RATE_LIMIT = 2
    for _ in range(2):
        assert client.get("/geocodage/", {"q": "1 Place Masséna Nice"}).status_code == 200
    response = client.get("/geocodage/inverse/", {"lon": "7.27", "lat": "43.6975"})
    assert response.status_code == 429 and "Trop de requêtes" in response.json()["error"]
    cache.clear()


def test_stale_cache_entries_are_asked_again(fake_ban):
    import datetime as dt

    from django.utils import timezone

    geocoder.geocode("1 Place de l'Horloge Avignon")
    GeocodeCache.objects.update(created_at=timezone.now() - dt.timedelta(days=365))
    calls = len(fake_ban.requests)
    geocoder.geocode("1 Place de l'Horloge Avignon")
    assert len(fake_ban.requests) == calls + 1
    assert GeocodeCache.objects.get().created_at > timezone.now() - dt.timedelta(minutes=1)
