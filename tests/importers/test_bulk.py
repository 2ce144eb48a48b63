"""The fast paths of big imports: communes located in memory, indexes rebuilt after.

Both must give exactly what the slow paths give. The points come from the real commune
boundaries of ``GEO_DATA_DIR`` (a point on the surface of each of the 946 communes,
moved up to about 1 km: many land in a neighbour, some in the sea off the coast).
"""

import random
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction

from geo_directory.businesses.bulk import (
    NAME_WORDS_TRIGGER,
    indexes_rebuilt_after,
    rebuildable_constraints,
    rebuildable_indexes,
)
from geo_directory.businesses.models import Business, Category
from geo_directory.territory.managers import COAST_TOLERANCE_M
from geo_directory.territory.models import Commune
from geo_directory.territory.point_index import CommunePointIndex
from importers import pipeline
from importers.sirene import import_sirene

from . import sirene_rows as sr

pytestmark = pytest.mark.django_db

PER_COMMUNE = 22  # 946 × 22 = 20,812 new listings: above pipeline.BULK_FROM


def _points(per_commune: int, seed: int = 6) -> list[tuple[str, float, float]]:
    """(commune code, lon, lat): points on the real communes, jittered by up to ~1 km."""
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, ST_X(p), ST_Y(p) FROM (SELECT code, ST_PointOnSurface(boundary) AS p"
            " FROM territory_commune WHERE boundary IS NOT NULL) AS c ORDER BY code"
        )
        surface = cursor.fetchall()
    # Rounded as the file will write them (6 decimals): a point can be 10 cm off a border.
    return [
        (
            code,
            round(lon + rng.uniform(-0.012, 0.012), 6),
            round(lat + rng.uniform(-0.009, 0.009), 6),
        )
        for code, lon, lat in surface
        for _ in range(per_commune)
    ]


def _schema() -> tuple[list, list]:
    with connection.cursor() as cursor:
        return rebuildable_indexes(cursor), rebuildable_constraints(cursor)


def _index_oids() -> dict[str, int]:
    """The listings' indexes by name: a rebuilt index comes back with a new oid."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'businesses_business'::regclass"
        )
        return dict(cursor.fetchall())


def _words() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM businesses_name_word ORDER BY word")
        return [word for (word,) in cursor.fetchall()]


def test_in_memory_index_agrees_with_postgis_on_every_point():
    points = _points(3)
    expected = Commune.objects.locate([(lon, lat) for _, lon, lat in points])
    index = CommunePointIndex()
    lons = [lon for _, lon, _ in points]
    lats = [lat for _, _, lat in points]
    unhinted = index.codes_at(lons, lats)
    hinted = index.codes_at(lons, lats, [code for code, _, _ in points])
    wrong_hints = index.codes_at(lons, lats, ["04001"] * len(points))

    inside = [code if distance == 0 else None for code, distance in expected]
    assert unhinted == inside
    assert hinted == inside
    assert wrong_hints == inside
    moved = sum(code != hint for code, (hint, _, _) in zip(inside, points, strict=True))
    assert sum(code is None for code in inside) > 0, "no point off the boundaries"
    assert moved > 100, "the jitter should move points to neighbours and off the coast"
    assert index.codes_at([float("nan"), 0.0], [43.3, 0.0], ["13055", None]) == [None, None]


def _big_file(tmp_path, points, name_of) -> Path:
    """A géo-SIRENE file of épiceries at ``points`` (SIRETs from 900,000 on)."""
    rows = [
        sr.row(
            900_000 + i,
            name=name_of(i),
            naf="47.11B",
            commune=code,
            postcode="",
            geo=(lon, lat),
        )
        for i, (code, lon, lat) in enumerate(points)
    ]
    return sr.write(tmp_path / "big.csv", rows, geo=True)


def test_a_big_first_load_rebuilds_indexes_and_matches_the_sql_paths(tmp_path):
    before = _schema()
    points = _points(PER_COMMUNE)
    path = _big_file(tmp_path, points, lambda i: f"EPICERIE {i}")
    assert path.stat().st_size >= pipeline.LOCATE_IN_MEMORY_FROM  # the in-memory path

    report = import_sirene(path)

    assert "upsert: rebuild indexes" in report.timings, report.timings
    assert _schema() == before  # every index and constraint back, identical
    located = Commune.objects.locate([(lon, lat) for _, lon, lat in points])
    kept = [d is not None and d <= COAST_TOLERANCE_M for _, d in located]
    assert report.read == len(points)
    assert report.created == sum(kept)
    # Off the coast while SIRENE says the address is in the region: rejected, with why.
    assert report.rejected_count == len(points) - sum(kept) > 0
    assert all("hors de la région" in r.reason for r in report.rejected)
    created = dict(
        Business.objects.filter(source="sirene").values_list("external_id", "commune_id")
    )
    for i, ((code, _), keep) in enumerate(zip(located, kept, strict=True)):
        siret = sr.make_siret(900_000 + i)
        assert created.get(siret) == (code if keep else None), (i, points[i])

    # The re-import is idempotent and small: no rebuild.
    again = import_sirene(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)
    assert "upsert: rebuild indexes" not in again.timings


def test_a_rebuilt_foreign_key_refuses_rows_that_break_it():
    before = _schema()
    category = Category.objects.get(slug="boulangerie")
    listing = Business.objects.create(name="Témoin", category=category, status="pending")
    with (
        pytest.raises(IntegrityError),
        transaction.atomic(),
        connection.cursor() as cursor,
        indexes_rebuilt_after(cursor),
    ):
        cursor.execute(
            "UPDATE businesses_business SET category_id = -1 WHERE id = %s", [listing.pk]
        )
    assert _schema() == before
    listing.refresh_from_db()
    assert listing.category_id == category.pk


def test_a_big_first_load_links_duplicates_and_keeps_the_name_words(tmp_path):
    """The bulk path's own shortcuts (words added once, created rows found by id, sparse
    indexes left in place) give what the row-by-row path gives."""
    points = _points(PER_COMMUNE)
    names = ["ÉPICERIE DU PORT", "Crème & Brûlée", "L'Œuf-Dur ÉTÉ", "Ñandú 12-14", "CAFÉ"]
    path = _big_file(tmp_path, points, lambda i: f"{names[i % len(names)]} {i % 997}")
    category = Category.objects.get(slug="epicerie")
    # Row 1000 has the SIRET of an OSM listing elsewhere; row 2000 has an OSM listing of
    # a close name 5 m away (points are jittered: both rows are inside the region).
    same_siret = Business.objects.create(
        name="Autre enseigne",
        category=category,
        source="osm",
        siret=sr.make_siret(901_000),
        status="pending",
    )
    _, lon, lat = points[2000]
    nearby = Business.objects.create(
        name=f"Epicerie du port {2000 % 997}",
        category=category,
        source="osm",
        location=Point(lon + 0.00005, lat, srid=4326),
        status="published",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT refresh_business_name_words()")
    before = _index_oids()
    untouched = pipeline._untouched_indexes()
    assert sorted(untouched) == [
        "business_delivery_zone_gist",
        "business_merged_into",
        "business_owner",
    ]

    report = import_sirene(path)

    assert "upsert: rebuild indexes" in report.timings, report.timings
    after = _index_oids()
    assert after.keys() == before.keys()
    assert {name for name in before if after[name] == before[name]} == {
        *untouched,
        "businesses_business_pkey",
    }
    linked = dict(
        Business.objects.filter(source="sirene", merged_into__isnull=False).values_list(
            "external_id", "merged_into_id"
        )
    )
    assert linked == {sr.make_siret(901_000): same_siret.pk, sr.make_siret(902_000): nearby.pk}
    assert report.merged == 2
    # The words added once for the whole load are exactly those of the listings' names.
    words = _words()
    assert "epicerie" in words and "oeuf" in words and "creme" in words
    with connection.cursor() as cursor:
        cursor.execute("SELECT refresh_business_name_words()")
    assert _words() == words
    # The INSERT trigger is back.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [NAME_WORDS_TRIGGER])
        assert cursor.fetchone()[0] == 1
    Business.objects.create(name="Zythologue", category=category, status="pending")
    assert "zythologue" in _words()
