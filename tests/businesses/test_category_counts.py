"""The published listings per category that the database keeps (migration 0007).

After every kind of change (create, publish, unpublish, recategorise, merge, delete, a
set-based update, a bulk import), ``counts.published_per_category()`` must equal a count
of the listings table itself.
"""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.db.models import Count

from geo_directory.businesses import counts
from geo_directory.businesses.models import Business, Category
from importers.sirene import import_sirene
from tests.importers.test_bulk import PER_COMMUNE, _big_file, _points

pytestmark = pytest.mark.django_db

MARSEILLE = Point(5.3810, 43.2980, srid=4326)


def exact() -> dict[int, int]:
    rows = Business.objects.published().order_by().values_list("category_id")
    return dict(rows.annotate(n=Count("id")))


def assert_exact() -> dict[int, int]:
    kept = counts.published_per_category()
    assert kept == exact()
    return kept


def log_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {counts.TABLE}")
        return cursor.fetchone()[0]


def listing(category, status="published", **extra) -> Business:
    return Business.objects.create(
        name="Témoin des comptes", category=category, status=status, location=MARSEILLE, **extra
    )


def test_counts_follow_every_change_of_a_listing():
    bakery = Category.objects.get(slug="boulangerie")
    florist = Category.objects.get(slug="fleuriste")
    start = assert_exact()  # the session's real listings, imported by the pipeline

    shop = listing(bakery, status="pending")
    assert assert_exact() == start  # not published: not counted
    shop.status = Business.Status.PUBLISHED
    shop.save()
    assert assert_exact()[bakery.pk] == start.get(bakery.pk, 0) + 1
    shop.category = florist
    shop.save()
    now = assert_exact()
    assert now.get(bakery.pk, 0) == start.get(bakery.pk, 0)
    assert now[florist.pk] == start.get(florist.pk, 0) + 1
    shop.name = "Témoin renommé"  # a change that moves no count adds no log row
    rows = log_rows()
    shop.save()
    assert log_rows() == rows
    shop.status = Business.Status.CLOSED
    shop.save()
    assert assert_exact() == start
    shop.status = Business.Status.PUBLISHED
    shop.save()
    primary = listing(florist)
    shop.merged_into = primary  # a duplicate linked to another listing is not listed
    shop.save()
    assert assert_exact()[florist.pk] == start.get(florist.pk, 0) + 1
    primary.delete()  # SET NULL: the secondary is listed again
    assert assert_exact()[florist.pk] == start.get(florist.pk, 0) + 1
    shop.delete()
    assert assert_exact() == start


def test_counts_follow_set_based_statements_and_survive_compaction():
    bakery = Category.objects.get(slug="boulangerie")
    butcher = Category.objects.get(slug="boucherie")
    start = assert_exact()
    Business.objects.bulk_create(
        Business(
            name=f"Témoin-lot {i}",
            category=bakery,
            status="published" if i % 3 else "pending",
            location=MARSEILLE,
        )
        for i in range(30)
    )
    assert assert_exact()[bakery.pk] == start.get(bakery.pk, 0) + 20
    moved = Business.objects.filter(name__startswith="Témoin-lot ", category=bakery)
    moved.filter(status="published").update(category=butcher)
    assert assert_exact()[butcher.pk] == start.get(butcher.pk, 0) + 20
    Business.objects.filter(name__startswith="Témoin-lot ").update(status="published")
    assert assert_exact()[bakery.pk] == start.get(bakery.pk, 0) + 10
    before = log_rows()
    assert counts.compact()
    assert log_rows() < before
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) = count(DISTINCT category_id) FROM {counts.TABLE}"
        )  # one row per category after compaction
        assert cursor.fetchone()[0]
    Business.objects.filter(name__startswith="Témoin-lot ").delete()
    assert assert_exact() == start


def test_a_bulk_insert_without_the_trigger_is_recounted_once():
    bakery = Category.objects.get(slug="boulangerie")
    start = assert_exact()
    with transaction.atomic(), connection.cursor() as cursor, counts.recounted_after(cursor):
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [counts.INSERT_TRIGGER])
        assert cursor.fetchone()[0] == 0
        rows = log_rows()
        Business.objects.bulk_create(
            Business(name=f"Fournil {i}", category=bakery, status="published", location=MARSEILLE)
            for i in range(50)
        )
        assert log_rows() == rows  # no trigger ran
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [counts.INSERT_TRIGGER])
        assert cursor.fetchone()[0] == 1
    assert assert_exact()[bakery.pk] == start.get(bakery.pk, 0) + 50
    listing(bakery)  # the trigger is back
    assert assert_exact()[bakery.pk] == start.get(bakery.pk, 0) + 51


def test_counts_are_exact_after_a_bulk_import(tmp_path):
    """The importer's bulk path (indexes rebuilt, triggers dropped) recounts once."""
    grocery = Category.objects.get(slug="epicerie")
    start = assert_exact()
    report = import_sirene(_big_file(tmp_path, _points(PER_COMMUNE), lambda i: f"EPICERIE {i}"))
    assert "upsert: rebuild indexes" in report.timings, report.timings
    after = assert_exact()
    assert after[grocery.pk] == start.get(grocery.pk, 0) + report.created
