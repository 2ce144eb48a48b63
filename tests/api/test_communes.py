"""/api/v1/communes/: autocomplete on the real 946 communes, detail with boundary."""

import pytest

from geo_directory.territory.models import Commune

pytestmark = pytest.mark.django_db
URL = "/api/v1/communes/"


def names(client, q, **extra):
    response = client.get(URL, {"q": q, **extra})
    assert response.status_code == 200
    return [r["name"] for r in response.json()["results"]]


@pytest.mark.parametrize("q", ["st-rémy", "St Remy", "saint-remy-de-provence", "ST-RÉMY-DE"])
def test_saint_abbreviations_accents_and_hyphens(client, q):
    assert names(client, q)[0] == "Saint-Rémy-de-Provence"


def test_aix_puts_aix_en_provence_first(client):
    assert names(client, "aix")[0] == "Aix-en-Provence"
    assert names(client, "AIX-EN")[0] == "Aix-en-Provence"


def test_postcode_finds_marseille(client):
    results = client.get(URL, {"q": "13006"}).json()["results"]
    assert results[0]["name"] == "Marseille" and results[0]["match"] == "postcode"
    assert "13006" in results[0]["postcodes"]


def test_colliding_postcode_and_insee_code_return_both(client):
    results = client.get(URL, {"q": "13100"}).json()["results"]
    by_name = {r["name"]: r for r in results}
    assert results[0]["name"] == "Aix-en-Provence" and results[0]["match"] == "postcode"
    assert by_name["Saint-Rémy-de-Provence"]["match"] == "insee"
    assert by_name["Saint-Rémy-de-Provence"]["code"] == "13100"
    # Every commune with postcode 13100 is there, ranked by population with the INSEE one.
    sharing = set(
        Commune.objects.filter(postcodes__contains=["13100"]).values_list("name", flat=True)
    )
    assert sharing <= set(by_name)


def test_result_format_and_limit(client):
    body = client.get(URL, {"q": "saint", "limit": 20}).json()
    assert len(body["results"]) == 20
    first = body["results"][0]
    assert set(first) >= {"code", "name", "postcodes", "departement", "population", "centre"}
    lon, lat = first["centre"]
    assert 4 < lon < 8 and 42.9 < lat < 45.2
    assert len(client.get(URL, {"q": "saint"}).json()["results"]) == 10
    assert "Marseille" in names(client, "marseile")  # a typo


def test_commune_detail_has_a_simplified_boundary(client):
    body = client.get(f"{URL}13055/").json()
    assert body["type"] == "Feature" and body["geometry"]["type"] == "MultiPolygon"
    props = body["properties"]
    assert props["name"] == "Marseille" and props["departement"] == "13"
    assert "13006" in props["postcodes"] and props["population"] > 800_000
    xmin, ymin, xmax, ymax = props["bbox"]
    assert xmin < props["centre"][0] < xmax and ymin < props["centre"][1] < ymax
    commune = Commune.objects.get(code="13055")
    vertices = sum(len(ring) for poly in body["geometry"]["coordinates"] for ring in poly)
    assert vertices < commune.boundary.num_coords


def test_commune_details_one_after_another_are_each_their_own(client):
    # The statement is compiled once per process (views.commune_statement): each request
    # still asks for its own commune, and an unknown one after a known one is a 404.
    for code, name in (("13055", "Marseille"), ("06088", "Nice"), ("2A004", None)):
        response = client.get(f"{URL}{code.lower()}/")
        if name is None:
            assert response.status_code == 404
            continue
        body = response.json()
        assert (body["id"], body["properties"]["name"]) == (code, name)
