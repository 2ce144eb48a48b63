"""The home page's category counts never write on a resident's GET (issue #19): the log
the triggers keep is folded after an import (``listings_bulk_changed``) and by the nightly
``manage.py fold_category_counts``, never by a reader, however long the log is."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from geo_directory.businesses import counts
from geo_directory.businesses.models import Category
from geo_directory.businesses.signals import announce_bulk_change
from tests.businesses.test_category_counts import exact, listing

pytestmark = pytest.mark.django_db

# More log rows than the old reader's folding threshold (2,000).
LONG_LOG = 2_100


def long_log() -> int:
    """LONG_LOG statements that each change a count: one log row each (real triggers)."""
    bakery = Category.objects.get(slug="boulangerie")
    shop = listing(bakery)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""DO $$ BEGIN FOR i IN 1..{LONG_LOG // 2} LOOP
                 UPDATE businesses_business SET status = 'pending' WHERE id = {shop.pk};
                 UPDATE businesses_business SET status = 'published' WHERE id = {shop.pk};
               END LOOP; END $$"""
        )
    rows = counts.log_rows()
    assert rows > LONG_LOG
    return rows


def test_a_resident_get_reads_a_long_log_without_writing(client):
    rows = long_log()
    with transaction.atomic(), connection.cursor() as cursor:
        # Any write from here on fails: the reader and the home page must not need one.
        cursor.execute("SET TRANSACTION READ ONLY")
        assert counts.published_per_category() == exact()
        page = client.get("/")
        assert page.status_code == 200
        assert counts.log_rows() == rows


def test_an_import_folds_the_log():
    long_log()
    lines = announce_bulk_change(sender="test")
    assert any(line.startswith("category counts log folded") for line in lines), lines
    assert counts.log_rows() == len(exact())  # one row per category with listings
    assert counts.published_per_category() == exact()


def test_the_nightly_command_folds_the_log():
    rows = long_log()
    out = io.StringIO()
    call_command("fold_category_counts", stdout=out)
    assert f"{rows:,} → {len(exact()):,} rows" in out.getvalue()
    assert counts.published_per_category() == exact()
