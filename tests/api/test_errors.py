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
        # One value per parameter, numbers in decimal notation: what the schema says.
        ("/api/v1/businesses/?point=5.37,43.29&point=5.38,43.30", "point", "répété"),
        ("/api/v1/businesses/?service=pickup&service=delivery", "service", "répété"),
        ("/api/v1/businesses/?point=5.37_0,43.29", "point", "longitude,latitude"),
        ("/api/v1/businesses/?point=1e300,1e300", "point", "longitude,latitude"),
        ("/api/v1/businesses/?point=5.37,43.29&dist=1e300", "dist", "entre 0 et"),
        ("/api/v1/businesses/?page_size=1_0", "page_size", "entier"),
        ("/api/v1/businesses/?page_size=10&page_size=500", "page_size", "entre 1 et 200"),
        ("/api/v1/clusters/?zoom=8&zoom=9", "zoom", "répété"),
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


HOSTILE = ["\x00", "5.37\x00,43.29", "1e300", "1e300,1e300", "-1e300,1e300,1e300,1e300", "nan"]


@pytest.mark.parametrize("value", HOSTILE)
def test_nul_bytes_and_huge_coordinates_are_400s_in_every_parameter(client, value):
    """Every parameter of every API operation, whatever its type: a clear 400 (or 404 for a
    path), never a 500, never a dead worker (GEOS aborts the process on 1e300)."""
    from geo_directory.api import params

    names = {n for family in params.LISTING_FILTERS for n in family.names} | {"page", "page_size"}
    for name in sorted(names):
        for url, extra in [
            ("/api/v1/businesses/", {}),
            ("/api/v1/clusters/", {"zoom": "8"}),
            ("/api/v1/communes/13055/businesses/", {}),
        ]:
            if name == "commune" and "/communes/" in url:
                continue  # the path's commune: the query's is ignored (not in the schema)
            if name in ("page", "page_size") and "clusters" in url:
                continue  # no pages there
            response = client.get(url, {**extra, name: value})
            if name == "q" and "\x00" not in value:  # a text to search for: may find nothing
                assert response.status_code == 200, (url, name, response.content[:200])
                continue
            assert response.status_code == 400, (url, name, response.content[:200])
            assert name in response.json()["errors"]
    for name, url, extra in [
        ("q", "/api/v1/communes/", {}),
        ("limit", "/api/v1/communes/", {"q": "aix"}),
        ("zoom", "/api/v1/clusters/", {}),
        ("point", "/api/v1/delivers-to/", {}),
    ]:
        response = client.get(url, {**extra, name: value})
        expected = 200 if name == "q" and "\x00" not in value else 400
        assert response.status_code == expected, (url, name, response.content[:200])
    # A NUL byte anywhere in a URL is refused by geo_directory/middleware.py before routing.
    expected = 400 if "\x00" in value else 404
    assert client.get(f"/api/v1/communes/{value}/").status_code == expected


def test_schema_says_the_bounds_the_server_enforces(client):
    from geo_directory.api import params

    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/businesses/"]["get"]
    declared = {p["name"]: p for p in operation["parameters"]}
    assert declared["page_size"]["schema"]["items"]["maximum"] == 200
    assert declared["page"]["schema"]["items"]["maximum"] == params.Pagination.MAX_PAGE
    assert declared["dist"]["schema"]["maximum"] == params.NearPoint.MAX_DIST_M
    assert all(declared[name]["allowEmptyValue"] for name in ("point", "q", "open_at"))
    assert {"requires": ["dist", "point"]} in operation["x-parameter-rules"]
    communes = schema["paths"]["/api/v1/communes/"]["get"]["parameters"]
    limit = next(p for p in communes if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 20)
    clusters = schema["paths"]["/api/v1/clusters/"]["get"]["parameters"]
    zoom = next(p for p in clusters if p["name"] == "zoom")
    assert zoom["required"] and zoom["schema"]["maximum"] == 22
    # The limit is the parser's, not a copy of it.
    assert "50 000" in declared["dist"]["description"]
