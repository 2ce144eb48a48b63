"""Property-based tests (hypothesis): bad input is a 400 naming the parameter, never a 500.

The public API is driven in-process through Django's test client against the real
communes and listings of tests/conftest.py: coordinates, bounding boxes, text search
(SQL/LIKE metacharacters, very long strings, emoji, NUL bytes), every listing parameter
at random; valid input is checked for its invariants (inside the box, within the
radius, nearest first). Opening-hours strings go through ``hours.validate`` /
``hours.compute`` and the merchant hours editor; the importers are fed random bytes and
random CSV rows. Sized to run in well under a minute on two shared cores.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo_directory.accounts import hours_editor
from geo_directory.businesses import hours
from geo_directory.businesses.models import Business
from importers.csv_mapped import import_csv
from importers.errors import SourceError
from importers.geojson import import_geojson
from importers.sirene import import_sirene
from tests.importers import sirene_rows as sr

pytestmark = pytest.mark.django_db

FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Marseille – Aix – Toulon: a dense part of the real listings.
LON, LAT = (5.2, 5.6), (43.1, 43.6)

client = Client()

# Text that hurts: SQL and LIKE metacharacters, regex, quotes, NUL, emoji, combining marks.
NASTY = st.sampled_from(
    [
        "%",
        "_",
        "\\",
        "'",
        '"',
        ";",
        "--",
        "/*",
        "*/",
        "%%",
        "\\%",
        "' OR 1=1 --",
        "'); DROP TABLE businesses_business; --",
        ".*",
        "[a-z]",
        "(?i)",
        "\x00",
        "\x01",
        "\t",
        "\n",
        "\r\n",
        "\u200b",
        "\ufeff",
        "\ud7ff",
        "e\u0301",
        "🎄",
        "👨‍👩‍👧",
        "ß",
        "İ",
        "œ",
        "boulangerie",
        "pâtisserie",
        " ",
        ",",
        "&",
        "=",
        "+",
        "#",
    ]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(NASTY, st.text(max_size=5)), max_size=12).map("".join),
    st.text(alphabet="ab%_\\' 🎄\x00", min_size=100, max_size=5000),
)
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "0x10", "1_000", "٣", "５", " 5 ", "", "-0"]),
    TEXT,
)


def _lon():
    return st.floats(min_value=LON[0], max_value=LON[1], allow_nan=False)


def _lat():
    return st.floats(min_value=LAT[0], max_value=LAT[1], allow_nan=False)


def get(path: str, params: dict):
    response = client.get(path, params)
    assert response.status_code in (200, 400), (path, params, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    if response.status_code == 400:
        assert set(body) == {"errors"}, body
        assert body["errors"] and all(
            isinstance(name, str) and isinstance(reason, str) and reason
            for name, reason in body["errors"].items()
        ), body
    return response.status_code, body


def assert_db_usable():
    """A failed statement must not have left the test's transaction aborted."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


# --- coordinates, radius, bbox ---------------------------------------------------------


@FAST
@given(point=st.one_of(NUMBER_TEXT, st.tuples(NUMBER_TEXT, NUMBER_TEXT).map(",".join)))
def test_any_point_is_200_or_400(point):
    status, body = get("/api/v1/businesses/", {"point": point, "page_size": 5})
    if status == 400:
        assert "point" in body["errors"]


@FAST
@given(lon=_lon(), lat=_lat(), dist=st.floats(min_value=0, max_value=3000, allow_nan=False))
def test_point_and_dist_results_are_within_the_radius_nearest_first(lon, lat, dist):
    status, body = get(
        "/api/v1/businesses/", {"point": f"{lon!r},{lat!r}", "dist": repr(dist), "page_size": 200}
    )
    assert status == 200, body
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    # The radius is applied in Lambert-93 metres, distance_m is on the spheroid: the two
    # differ by the projection's scale error (< 0.3 % in the region) and the rounding.
    for d in distances:
        assert d <= dist * 1.003 + 0.1, (d, dist)
    for nearer, farther in zip(distances, distances[1:], strict=False):
        assert nearer <= farther * 1.003 + 0.1, distances
    assert body["count"] >= len(distances)


@FAST
@given(
    lon=_lon(),
    lat=_lat(),
    width=st.floats(min_value=1e-6, max_value=0.3),
    height=st.floats(min_value=1e-6, max_value=0.3),
)
def test_bbox_results_are_inside_the_box(lon, lat, width, height):
    box = (lon, lat, lon + width, lat + height)
    status, body = get(
        "/api/v1/businesses/", {"in_bbox": ",".join(map(repr, box)), "page_size": 100}
    )
    assert status == 200, body
    eps = 1e-9
    for feature in body["features"]:
        x, y = feature["geometry"]["coordinates"]
        assert box[0] - eps <= x <= box[2] + eps and box[1] - eps <= y <= box[3] + eps, (x, y)
    # The clusters of the same viewport count at least as many listings (cells touching
    # the box may add some at its edges), and every cluster has a positive count.
    status, clusters = get("/api/v1/clusters/", {"in_bbox": ",".join(map(repr, box)), "zoom": "12"})
    assert status == 200
    assert all(c["properties"]["count"] >= 1 for c in clusters["features"])


@FAST
@given(
    bbox=st.one_of(
        st.lists(NUMBER_TEXT, min_size=0, max_size=6).map(",".join),
        st.lists(st.floats(min_value=-200, max_value=200), min_size=4, max_size=4).map(
            lambda xs: ",".join(map(repr, xs))
        ),
    ),
    zoom=st.one_of(st.integers(-5, 30).map(str), NUMBER_TEXT),
)
def test_any_bbox_and_zoom_is_200_or_400(bbox, zoom):
    status, body = get("/api/v1/businesses/", {"in_bbox": bbox, "page_size": 5})
    if status == 400:
        assert "in_bbox" in body["errors"]
    get("/api/v1/clusters/", {"in_bbox": bbox, "zoom": zoom})


# --- text search -----------------------------------------------------------------------


@FAST
@given(q=TEXT)
def test_business_text_search_never_fails(q):
    status, body = get("/api/v1/businesses/", {"q": q, "page_size": 5})
    if "\x00" in q:
        assert status == 400 and "q" in body["errors"], body
    if status == 400:
        assert set(body["errors"]) == {"q"}, body
    else:
        words = " ".join(q.split())
        assert 2 <= len(words) <= 100 or not words
    assert_db_usable()


@FAST
@given(q=TEXT, limit=st.one_of(st.integers(-3, 30).map(str), NUMBER_TEXT))
def test_commune_autocomplete_never_fails(q, limit):
    status, body = get("/api/v1/communes/", {"q": q, "limit": limit})
    if "\x00" in q:
        assert status == 400 and "q" in body["errors"], body
    if status == 200:
        assert isinstance(body["results"], list)
    assert_db_usable()


@FAST
@given(insee=TEXT.filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_any_commune_code_in_the_path_is_a_404_or_a_page(insee):
    from urllib.parse import quote

    for suffix in ("", "businesses/"):
        response = client.get(f"/api/v1/communes/{quote(insee, safe='')}/{suffix}")
        assert response.status_code in (200, 301, 400, 404), (insee, response.content[:300])
    assert_db_usable()


# --- every parameter at once -----------------------------------------------------------

PARAMS = (
    "point",
    "dist",
    "in_bbox",
    "commune",
    "departement",
    "category",
    "q",
    "open_now",
    "open_at",
    "service",
    "page",
    "page_size",
)
PLAUSIBLE = {
    "point": st.sampled_from(["5.3698,43.2965", "7.27,43.70", "5.37 , 43.29", "-0,45"]),
    "dist": st.sampled_from(["0", "500", "50000", "1e3", "50000.0001"]),
    "in_bbox": st.sampled_from(["5.36,43.29,5.39,43.31", "4.2,42.9,7.8,45.2"]),
    "commune": st.sampled_from(["13055", "13201", "06088", "2a004", " 84007 "]),
    "departement": st.sampled_from(["13", "06", "2A", "83"]),
    "category": st.sampled_from(["boulangerie", "alimentation", "boulangerie,fleuriste", ","]),
    "open_now": st.sampled_from(["true", "false", "oui", "0"]),
    "open_at": st.sampled_from(
        ["2026-12-24T10:30", "2026-12-24T10:30+01:00", "2026-12-24T10:30 01:00", "1970-01-01"]
    ),
    "service": st.sampled_from(["pickup", "delivery"]),
    "page": st.sampled_from(["1", "2", "200", "10000"]),
    "page_size": st.sampled_from(["1", "50", "200"]),
}


@settings(FAST, max_examples=60)
@given(
    params=st.dictionaries(
        st.sampled_from(PARAMS),
        st.one_of(TEXT, NUMBER_TEXT),
        max_size=5,
    ),
    plausible=st.fixed_dictionaries({}, optional=PLAUSIBLE),
    where=st.sampled_from(
        ["/api/v1/businesses/", "/api/v1/communes/13055/businesses/", "/api/v1/clusters/"]
    ),
)
def test_any_combination_of_listing_parameters_is_200_or_400(params, plausible, where):
    query = {**plausible, **params}
    if where.endswith("clusters/"):
        query.setdefault("zoom", "10")
        query.pop("page", None)
        query.pop("page_size", None)
    status, body = get(where, query)
    if status == 400:
        assert set(body["errors"]) <= {*PARAMS, "zoom"}, body
    assert_db_usable()


# --- opening hours ---------------------------------------------------------------------

HOURS_PIECES = st.sampled_from(
    [
        "Mo-Fr",
        "Sa",
        "Su",
        "PH",
        "SH",
        "Dec 24",
        "Dec 25-31",
        "Jan-Mar",
        "week 01-53/2",
        "2026",
        "2026 Dec 24",
        "easter",
        "sunrise-sunset",
        "(sunset+01:00)",
        "08:00-12:30",
        "14:00-19:00",
        "22:00-02:00",
        "00:00-24:00",
        "24/7",
        "10:00+",
        "off",
        "closed",
        "open",
        "unknown",
        '"sur rendez-vous"',
        "; ",
        ", ",
        " || ",
        " ",
        ":",
        "-",
        "[1]",
        "[-1]",
        "Mo[2]",
        "99:99-00:00",
        "25:00-26:00",
        "Feb 30",
        "\x00",
        "🎄",
        "\u00a0",
    ]
)
HOURS = st.one_of(
    st.text(max_size=60),
    st.lists(HOURS_PIECES, max_size=10).map("".join),
    st.lists(HOURS_PIECES, max_size=300).map("".join),
)


@settings(FAST, max_examples=300)
@given(expression=HOURS, today=st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
def test_hours_validate_then_compute_never_crash(expression, today):
    try:
        normalised = hours.validate(expression)
    except hours.InvalidHours as exc:
        assert str(exc).startswith("Horaires illisibles")
        return
    assert isinstance(normalised, str)
    computed = hours.compute(normalised, today=today)
    for lo, hi in computed.week or []:
        assert 0 <= lo < hi <= hours.MINUTES_PER_WEEK
    for lo, hi in computed.windows or []:
        assert lo <= hi
    when = dt.datetime.combine(today, dt.time(10, 30))
    assert isinstance(hours.is_open(normalised, when), bool)


@settings(FAST, max_examples=300)
@given(text=HOURS)
def test_hours_editor_parses_or_says_why(text):
    for parse in (hours_editor.parse_ranges, hours_editor.parse_closures):
        try:
            parse(text)
        except ValueError as exc:
            assert str(exc)
    try:
        valid = hours.validate(text)
    except hours.InvalidHours:
        return
    state = hours_editor.parse(valid)  # a state the editor can show, or None (raw mode)
    if state is not None:
        rebuilt = hours_editor.build(state)
        assert hours.validate(rebuilt) == rebuilt


# --- importers -------------------------------------------------------------------------

SIRENE_COLUMNS = sr.COLUMNS + sr.GEO_COLUMNS
FIELD = st.one_of(
    st.text(max_size=20),
    NASTY,
    st.sampled_from(["13055", "13201", "06088", "75056", "10.71C", "47.76Z", "F", "A", "P"]),
    st.sampled_from(["[ND]", "nan", "inf", "1e400", "5.37", "43.29", "0", "-0"]),
    st.text(alphabet="é\x00;,\"\n'", max_size=30),
    st.just("x" * 5000),
)


def _sirene_row(draw_base, overrides):
    row = sr.row(draw_base, name="BOULANGERIE FUZZ", geo=(5.3676, 43.3003))
    row.update(overrides)
    return row


SIRENE_ROWS = st.lists(
    st.tuples(
        st.integers(1, 10**6),
        st.dictionaries(st.sampled_from(SIRENE_COLUMNS), FIELD, max_size=4),
    ).map(lambda t: _sirene_row(*t)),
    min_size=1,
    max_size=6,
)


def _counted(report) -> int:
    """Every row read is accounted for exactly once."""
    return (
        report.created
        + report.updated
        + report.unchanged
        + report.closed
        + report.outside_region
        + sum(report.skipped.values())
        + report.rejected_count
    )


def _check_report(report, before: int, listings_before: int):
    assert report.rejected_count == len(report.rejected)
    for rejection in report.rejected:
        assert rejection.line >= 2 and rejection.field and rejection.reason, rejection
    assert _counted(report) == report.read, report.summary()
    created = Business.objects.count() - listings_before
    assert created == report.created, report.summary()
    assert before is not None


def _import_or_source_error(run, path):
    """Either a report, or SourceError with nothing written; no other exception."""
    listings = Business.objects.count()
    try:
        report = run(path)
    except SourceError:
        assert Business.objects.count() == listings
        assert_db_usable()
        return None
    _check_report(report, 0, listings)
    assert_db_usable()
    return report


SLOW = settings(FAST, max_examples=25)


@SLOW
@given(rows=SIRENE_ROWS, cut=st.integers(0, 400), encoding=st.sampled_from(["utf-8", "latin-1"]))
def test_sirene_random_rows_are_loaded_or_rejected(tmp_path_factory, rows, cut, encoding):
    path = tmp_path_factory.mktemp("sirene") / "StockEtablissement.csv"
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=SIRENE_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    data = out.getvalue().encode(encoding, "replace")
    path.write_bytes(data[: len(data) - cut] if cut else data)  # maybe truncated
    _import_or_source_error(import_sirene, path)


@SLOW
@given(data=st.binary(max_size=3000), header=st.booleans())
def test_sirene_random_bytes_are_a_source_error_or_rejections(tmp_path_factory, data, header):
    path = tmp_path_factory.mktemp("bytes") / "random.csv"
    head = (",".join(SIRENE_COLUMNS) + "\n").encode() if header else b""
    path.write_bytes(head + data)
    _import_or_source_error(import_sirene, path)


MAPPING = {
    "columns": {
        "id": "ID",
        "name": "Nom",
        "category": "Activité",
        "siret": "SIRET",
        "postcode": "CP",
        "commune": "INSEE",
        "lon": "Lon",
        "lat": "Lat",
        "opening_hours": "Horaires",
    },
    "delimiter": ";",
    "decimal_comma": True,
    "id_prefix": "fuzz",
}
CSV_HEADER = ["Lat", "Horaires", "ID", "Nom", "Activité", "SIRET", "CP", "INSEE", "Lon"]
CSV_FIELD = st.one_of(
    FIELD,
    HOURS,
    st.sampled_from(["boulangerie", "shop=bakery", "10.71C", "43,2965", "5,3698", "13002"]),
)


@SLOW
@given(
    rows=st.lists(st.lists(CSV_FIELD, min_size=7, max_size=11), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8", "latin-1"]),
    cut=st.integers(0, 200),
    extra=st.binary(max_size=200),
)
def test_partner_csv_random_rows_are_loaded_or_rejected(
    tmp_path_factory, rows, encoding, cut, extra
):
    path = tmp_path_factory.mktemp("partner") / "partner.csv"
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding, "replace")
    path.write_bytes((data[: len(data) - cut] if cut else data) + extra)
    _import_or_source_error(lambda p: import_csv(p, MAPPING), path)


def test_nul_bytes_in_query_strings_are_400_not_500():
    for path, params, name in [
        ("/api/v1/businesses/", {"q": "boul\x00angerie"}, "q"),
        ("/api/v1/businesses/", {"commune": "130\x0055"}, "commune"),
        ("/api/v1/businesses/", {"category": "boulangerie\x00"}, "category"),
        ("/api/v1/businesses/", {"open_at": "2026-12-24T10:30\x00"}, "open_at"),
        ("/api/v1/communes/", {"q": "aix\x00"}, "q"),
        # Found by schemathesis: PostgreSQL refuses offsets beyond ±15:59 (was a 500).
        ("/api/v1/businesses/", {"open_at": "2000-05-01T00:24:11-20:00"}, "open_at"),
        ("/api/v1/clusters/", {"zoom": "8", "open_at": "2026-12-24T10:00+23:59"}, "open_at"),
    ]:
        status, body = get(path, params)
        assert status == 400 and name in body["errors"], (params, body)
    assert client.get("/api/v1/communes/130%0055/").status_code in (400, 404)
    assert client.get("/api/v1/communes/130%0055/businesses/").status_code in (400, 404)


def test_nul_bytes_in_import_files_reject_the_row_not_the_file(tmp_path):
    good = sr.row(41, name="BOULANGERIE SANS NUL", geo=(5.3676, 43.3003))
    bad = sr.row(42, name="BOULANGERIE\x00NUL", geo=(5.3676, 43.3003))
    path = sr.write(tmp_path / "nul.csv", [good, bad], geo=True)
    report = import_sirene(path)
    assert report.created == 1, report.summary()
    assert [(r.line, r.field) for r in report.rejected] == [(3, "enseigne1Etablissement")]
    assert "NUL" in report.rejected[0].reason and "\\x00" in report.rejected[0].raw

    geojson = tmp_path / "nul.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [5.3676, 43.3003]},
                        "properties": {"name": "Fleurs\x00NUL", "shop": "florist"},
                    }
                ],
            }
        )
    )
    report = import_geojson(geojson)
    assert report.created == 0 and report.rejected_count == 1, report.summary()
    assert report.rejected[0].field == "name" and "NUL" in report.rejected[0].reason
