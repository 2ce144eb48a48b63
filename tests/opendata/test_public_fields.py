"""Only published listings and their public fields leave through the open data: never an
owner, an account's e-mail, a moderation note, a user id; never an unpublished or merged
listing, in any output (OGC items, one item, GeoJSON and CSV downloads)."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import User

from geo_directory.businesses.models import Business
from geo_directory.opendata.public import PROPERTIES
from tests.factories import make_listing

pytestmark = pytest.mark.django_db
ITEMS = "/api/features/collections/businesses/items"
EXPECTED = {
    "name",
    "category",
    "category_label",
    "street",
    "postcode",
    "commune",
    "commune_name",
    "phone",
    "email",
    "website",
    "opening_hours",
    "description",
    "offers_pickup",
    "offers_delivery",
    "delivery_radius_km",
    "source",
    "licence",
    "updated_at",
}
SECRETS = ("compte.prive@example.org", "note de modération confidentielle", "owned-secret")


def streamed(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    return b"".join(response.streaming_content)


def outputs(client, code: str = "13055") -> dict[str, bytes]:
    return {
        "items": client.get(ITEMS, {"limit": 1000}).content,
        "geojson": streamed(client.get("/api/telechargement/commerces.geojson")),
        "csv": streamed(client.get("/api/telechargement/commerces.csv")),
        "commune": streamed(client.get("/api/telechargement/commerces.csv", {"commune": code})),
        "departement": streamed(
            client.get("/api/telechargement/commerces.geojson", {"departement": code[:2]})
        ),
    }


@pytest.fixture
def hidden(db):
    """A published listing with an owner and a note, and listings that must not show."""
    owner = User.objects.create_user("compte.prive@example.org", "compte.prive@example.org")
    shown = make_listing(
        "Boulangerie Publiée",
        5.3698,
        43.2951,
        owner=owner,
        moderation_note="note de modération confidentielle",
        owned_fields=["name", "owned-secret"],
        email="contact@boulangerie.example",
    )
    others = {
        status: make_listing(f"Fiche {status}", 5.3699, 43.2952, status=status)
        for status in ("draft", "pending", "closed")
    }
    merged = make_listing("Doublon fusionné", 5.3700, 43.2953, merged_into=shown)
    return shown, [*others.values(), merged]


def test_exact_public_fields_everywhere(client, hidden):
    shown, _ = hidden
    assert set(PROPERTIES) == EXPECTED
    item = client.get(f"{ITEMS}/{shown.pk}").json()
    assert set(item) == {"type", "id", "geometry", "properties", "links"}
    assert set(item["properties"]) == EXPECTED
    assert item["properties"]["email"] == "contact@boulangerie.example"
    page = client.get(ITEMS, {"limit": 3}).json()
    assert all(set(f["properties"]) == EXPECTED for f in page["features"])
    download = json.loads(streamed(client.get("/api/telechargement/commerces.geojson")))
    assert {frozenset(f["properties"]) for f in download["features"]} == {frozenset(EXPECTED)}
    assert {frozenset(f) for f in download["features"]} == {
        frozenset({"type", "id", "geometry", "properties"})
    }
    rows = csv.reader(
        io.StringIO(streamed(client.get("/api/telechargement/commerces.csv")).decode())
    )
    assert next(rows) == ["id", "longitude", "latitude", *PROPERTIES]


def test_no_owner_note_or_account_email_in_any_output(client, hidden):
    shown, _ = hidden
    for name, body in outputs(client).items():
        assert b"Boulangerie Publi" in body, name
        for secret in SECRETS:
            assert secret.encode() not in body, (name, secret)
        assert b'"owner"' not in body and b"moderation" not in body, name


def test_unpublished_and_merged_listings_never_appear(client, hidden):
    shown, invisible = hidden
    published = set(Business.objects.published().values_list("id", flat=True))
    assert shown.pk in published and not published & {b.pk for b in invisible}
    for name, body in outputs(client).items():
        for listing in invisible:
            assert listing.name.encode() not in body, (name, listing.name)
    for listing in invisible:
        assert client.get(f"{ITEMS}/{listing.pk}").status_code == 404
    everything = json.loads(streamed(client.get("/api/telechargement/commerces.geojson")))
    assert {f["id"] for f in everything["features"]} == published
    walked = client.get(ITEMS, {"limit": 1000}).json()
    assert {f["id"] for f in walked["features"]} == published
    assert walked["numberMatched"] == len(published)
