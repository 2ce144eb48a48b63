"""Bad input answers HTTP 400 with the parameter and the reason, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "param", "reason"),
    [
        ("/api/v1/businesses/?point=abc", "point", "longitude,latitude"),
        ("/api/v1/businesses/?point=5.3", "point", "longitude,latitude"),
        ("/api/v1/businesses/?point=5.3,143.2", "point", "longitude,latitude"),
        ("/api/v1/businesses/?point=nan,43", "point", "longitude,latitude"),
        ("/api/v1/businesses/?point=0,-90", "point", "France ou alentours"),
        ("/api/v1/businesses/?point=43.29,5.37", "point", "France ou alentours"),
        ("/api/v1/businesses/?in_bbox=179,-89,180,-88", "in_bbox", "France ou alentours"),
        ("/api/v1/businesses/?open_at=9999-12-31T23:59-14:00", "open_at", "plage"),
        ("/api/v1/businesses/?point=5.37,43.29&dist=-1", "dist", "entre 0 et"),
        ("/api/v1/businesses/?point=5.37,43.29&dist=60000", "dist", "entre 0 et"),
        ("/api/v1/businesses/?point=5.37,43.29&dist=loin", "dist", "mètres"),
        ("/api/v1/businesses/?dist=500", "dist", "point"),
        ("/api/v1/businesses/?in_bbox=5.4,43.3,5.3,43.2", "in_bbox", "inversé"),
        ("/api/v1/businesses/?in_bbox=5.3,43.2,5.4", "in_bbox", "lon_min"),
        ("/api/v1/businesses/?in_bbox=-10,40,20,50", "in_bbox", "trop grand"),
        ("/api/v1/businesses/?category=boulangerie,licornes", "category", "licornes"),
        ("/api/v1/businesses/?commune=99999", "commune", "inconnue"),
        ("/api/v1/businesses/?commune=75056", "commune", "inconnue"),
        ("/api/v1/businesses/?departement=75", "departement", "inconnu"),
        ("/api/v1/businesses/?open_at=demain", "open_at", "ISO 8601"),
        ("/api/v1/businesses/?open_at=2026-13-45T10:00", "open_at", "ISO 8601"),
        ("/api/v1/businesses/?open_now=peut-etre", "open_now", "true ou false"),
        ("/api/v1/businesses/?service=teleportation", "service", "pickup"),
        ("/api/v1/businesses/?q=a", "q", "caractères"),
        ("/api/v1/businesses/?page_size=500", "page_size", "entre 1 et 200"),
        ("/api/v1/businesses/?page_size=zero", "page_size", "entier"),
        ("/api/v1/businesses/?page=0", "page", "entier"),
        ("/api/v1/businesses/?page=400&page_size=50", "page", "trop lointaine"),
        ("/api/v1/communes/13055/businesses/?dist=-5", "dist", "entre 0 et"),
        ("/api/v1/communes/", "q", "obligatoire"),
        ("/api/v1/communes/?q=aix&limit=100", "limit", "entre 1 et 20"),
        ("/api/v1/clusters/?in_bbox=5.3,43.2,5.4,43.3", "zoom", "obligatoire"),
        ("/api/v1/clusters/?zoom=30", "zoom", "entre 0 et 22"),
        ("/api/v1/clusters/?zoom=huit", "zoom", "entier"),
        ("/api/v1/clusters/?zoom=8&in_bbox=7,45,4,43", "in_bbox", "inversé"),
        ("/api/v1/clusters/?zoom=8&category=nope", "category", "nope"),
    ],
)
def test_bad_parameter_is_a_400_naming_it(client, url, param, reason):
    response = client.get(url)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert param in errors and reason in errors[param]


def test_every_bad_parameter_is_reported_at_once(client):
    response = client.get(
        "/api/v1/businesses/",
        {"point": "x", "in_bbox": "1,1,0,0", "category": "nope", "open_at": "bad"},
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"point", "in_bbox", "category", "open_at"}


def test_unknown_resources_are_404(client):
    assert client.get("/api/v1/communes/99999/").status_code == 404
    assert client.get("/api/v1/communes/99999/businesses/").status_code == 404
    assert client.get("/api/v1/businesses/0/").status_code == 404
