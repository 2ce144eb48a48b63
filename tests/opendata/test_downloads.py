"""Streamed downloads: the whole directory, a commune, a département, in GeoJSON and CSV,
with the licence and the date, safe to open in a spreadsheet."""

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from geo_directory.api import reference
from geo_directory.businesses.models import Business
from geo_directory.opendata import downloads
from geo_directory.opendata.public import PROPERTIES
from tests.factories import make_listing

pytestmark = pytest.mark.django_db
GEOJSON = "/api/telechargement/commerces.geojson"
CSV = "/api/telechargement/commerces.csv"


def streamed(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode())))


def test_whole_geojson_is_every_published_listing_with_licence_and_date(client):
    response = client.get(GEOJSON)
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="commerces-region-sud-{today:%Y-%m-%d}.geojson"'
    )
    assert 'rel="license"' in response["Link"] and 'rel="describedby"' in response["Link"]
    body = json.loads(streamed(response))
    published = list(Business.objects.published().order_by("id").values_list("id", flat=True))
    assert [f["id"] for f in body["features"]] == published
    assert body["license"] == "ODbL-1.0"
    assert body["licence_url"].startswith("https://opendatacommons.org/licenses/odbl")
    assert "OpenStreetMap" in body["attribution"]
    generated = dt.datetime.fromisoformat(body["generated_at"].replace("Z", "+00:00"))
    assert abs((timezone.now() - generated).total_seconds()) < 60
    # The real demo listings come from OSM-tagged GeoJSON: ODbL, and said so per listing.
    assert {f["properties"]["source"] for f in body["features"]} == {"geojson"}
    assert {f["properties"]["licence"] for f in body["features"]} == {"ODbL-1.0"}


def test_geojson_spans_several_chunks_with_commas_between_them(client, monkeypatch):
    monkeypatch.setattr(downloads, "CHUNK_ROWS", 7)
    body = json.loads(streamed(client.get(GEOJSON)))
    assert len(body["features"]) == Business.objects.published().count() == 212


def test_commune_and_departement_downloads(client):
    marseille = json.loads(streamed(client.get(GEOJSON, {"commune": "13055"})))
    expected = Business.objects.published().filter(commune_id="13055")
    assert {f["id"] for f in marseille["features"]} == set(expected.values_list("id", flat=True))
    assert expected.count() > 5
    assert marseille["name"] == "commerces-commune-13055"
    rows = csv_rows(streamed(client.get(CSV, {"departement": "06"})))
    in_06 = Business.objects.published().filter(commune__departement_id="06")
    assert sorted(int(r["id"]) for r in rows) == sorted(in_06.values_list("id", flat=True))
    assert {r["commune"][:2] for r in rows} == {"06"}
    # Ordered by (commune, id): the index business_published_commune_id.
    keys = [(r["commune"], int(r["id"])) for r in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    "query, status, words",
    [
        ({"commune": "99999"}, 404, "Commune inconnue"),
        ({"departement": "75"}, 404, "Département inconnu"),
        ({"commune": "13055", "departement": "13"}, 400, "pas les deux"),
        ({"format": "xlsx"}, 400, "Paramètre inconnu"),
    ],
)
def test_bad_scope_gets_a_french_error(client, query, status, words):
    for url in (GEOJSON, CSV):
        response = client.get(url, query)
        assert response.status_code == status
        assert words in response.json()["description"]


def test_a_nul_byte_in_the_scope_is_refused_before_any_query(client):
    # geo_directory/middleware.py refuses a NUL byte anywhere in the query, for every route.
    for url in (GEOJSON, CSV):
        response = client.get(url, {"commune": "13055\x00"})
        assert response.status_code == 400
        assert "commune" in response.json()["errors"]


def test_csv_cells_cannot_run_as_formulas_but_phones_stay_readable(client):
    evil = make_listing(
        '=HYPERLINK("http://evil.example","clic")',
        5.3698,
        43.2951,
        phone="+33 4 91 00 00 00",
        street="@SUM(1+1)",
        description="-2+3+cmd|' /C calc'!A0",
        website="https://exemple.fr",
    )
    rows = {int(r["id"]): r for r in csv_rows(streamed(client.get(CSV, {"commune": "13055"})))}
    row = rows[evil.pk]
    assert row["name"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert row["street"] == "'@SUM(1+1)"
    assert row["description"] == "'-2+3+cmd|' /C calc'!A0"
    assert row["phone"] == "+33 4 91 00 00 00"
    assert float(row["longitude"]) == pytest.approx(5.3698)
    assert row["offers_pickup"] in ("true", "false")
    assert list(row) == ["id", "longitude", "latitude", *PROPERTIES]


def test_csv_safe_rules():
    assert downloads.csv_safe("=1+1") == "'=1+1"
    assert downloads.csv_safe("+33 6 12 34 56 78") == "+33 6 12 34 56 78"
    assert downloads.csv_safe("-12.5") == "-12.5"
    assert downloads.csv_safe("\t=cmd") == "'\t=cmd"
    assert downloads.csv_safe("Boulangerie") == "Boulangerie"
    assert downloads.csv_safe("") == ""


def test_metadata_page_names_the_files_licences_and_date(client):
    body = client.get("/api/telechargement/").json()
    assert body["license"] == "ODbL-1.0"
    assert body["source_licences"]["osm"] == "ODbL-1.0"
    assert body["source_licences"]["sirene"] == "etalab-2.0"
    assert body["downloads"]["csv"].endswith("/api/telechargement/commerces.csv")
    assert body["fields"] == ["id", "longitude", "latitude", *PROPERTIES]
    assert client.get("/api/telechargement/", {"x": "1"}).status_code == 400


def test_head_gives_the_headers_without_running_the_export(client, django_assert_num_queries):
    reference.get()  # the in-memory categories and communes, loaded once per process
    with django_assert_num_queries(0):
        response = client.head(CSV)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="commerces-')
    assert b"".join(response.streaming_content) == b""
    assert client.post(CSV).status_code == 405


def test_csv_rows_say_what_the_geojson_properties_say(client):
    make_listing("Épicerie « Chez Zoé »", 5.3698, 43.2951, phone="04 91 00 00 00")
    features = json.loads(streamed(client.get(GEOJSON)))["features"]
    rows = csv_rows(streamed(client.get(CSV)))
    assert [int(r["id"]) for r in rows] == [f["id"] for f in features]
    for row, feature in zip(rows, features, strict=True):
        assert [float(row["longitude"]), float(row["latitude"])] == pytest.approx(
            feature["geometry"]["coordinates"]
        )
        for key, value in feature["properties"].items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            assert row[key] == ("" if value is None else str(value)), (key, feature["id"])
