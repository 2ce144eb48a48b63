"""Published listings per category, read from the log the triggers keep (migration 0007).

No page a resident opens may scan the listings table: the home page's category chips read
``businesses_category_count`` (a few hundred rows at most) instead of counting listings.

Nor may it write: a reader sums the folded base and the pending log rows, whatever their
number, and never folds them itself (a GET that writes takes a lock, makes WAL, cannot
run on a read replica, and made one resident's page pay for everyone's changes). The log
is folded after an import (the ``listings_bulk_changed`` receiver, ``fold_after_bulk``)
and by ``manage.py fold_category_counts`` (a nightly cron, docs/operations.md); between
two folds it grows by one row per category and statement that changes a count, and a
sum over some thousands of rows still costs about a millisecond.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections, router, transaction

TABLE = "businesses_category_count"
INSERT_TRIGGER = "business_category_counts_insert"
LISTINGS = "businesses_business"


def published_per_category() -> dict[int, int]:
    """Published listings (``Business.objects.published()``) per category id, non-zero only.

    Read only, where the router sends public reads (a replica when there is one).
    """
    from .models import Category

    with connections[router.db_for_read(Category)].cursor() as cursor:
        cursor.execute(
            f"SELECT category_id, sum(published)::bigint FROM {TABLE} GROUP BY category_id"
        )
        rows = cursor.fetchall()
    return {category: count for category, count in rows if count}


def compact() -> bool:
    """Fold the log into one row per category, on the primary; False when another
    transaction holds it (an import's recount, another fold)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT compact_business_category_counts()")
        return cursor.fetchone()[0]


def log_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def fold_after_bulk(sender, **kwargs) -> str:
    """``listings_bulk_changed`` receiver (businesses/apps.py): an import just added its
    rows to the log; fold them once, there, instead of on a resident's GET."""
    before = log_rows()
    folded = compact()
    state = f"{before:,} → {log_rows():,} rows" if folded else "busy, left for the nightly fold"
    return f"category counts log folded ({state})"


def refresh(cursor=None) -> None:
    """Recount from the listings (exact whatever the log holds)."""
    if cursor is None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT refresh_business_category_counts()")
    else:
        cursor.execute("SELECT refresh_business_category_counts()")


@contextmanager
def recounted_after(cursor) -> Iterator[None]:
    """Without the counts' INSERT trigger inside; on exit, recreate it and recount once.

    For a bulk insert in a transaction that holds the listings table (see
    ``bulk.indexes_rebuilt_after``): a statement trigger's transition table holds every
    inserted row, which PostgreSQL fills even with the trigger disabled (a million wide
    rows spilled to disk); only dropping the trigger avoids it.
    """
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = %s"
        " AND tgrelid = format('%%I.%%I', current_schema(), %s::text)::regclass",
        [INSERT_TRIGGER, LISTINGS],
    )
    (definition,) = cursor.fetchone()
    cursor.execute(f'DROP TRIGGER "{INSERT_TRIGGER}" ON "{LISTINGS}"')
    yield
    cursor.execute(definition)
    refresh(cursor)
