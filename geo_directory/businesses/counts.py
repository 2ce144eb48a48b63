"""Published listings per category, read from the log the triggers keep (migration 0007).

No page a resident opens may scan the listings table: the home page's category chips read
``businesses_category_count`` (a few hundred rows at most) instead of counting listings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, connections, router, transaction

TABLE = "businesses_category_count"
INSERT_TRIGGER = "business_category_counts_insert"
LISTINGS = "businesses_business"
# Past this many log rows, a reader folds them into one per category (a few hundred
# rows sum in well under a millisecond; the log only grows by a row per category and
# statement that changes a count).
COMPACT_ABOVE = 2000


def published_per_category() -> dict[int, int]:
    """Published listings (``Business.objects.published()``) per category id, non-zero only.

    Read where the router sends public reads (a replica when there is one); folding the
    log is a write, so it goes to the primary.
    """
    from .models import Category

    with connections[router.db_for_read(Category)].cursor() as cursor:
        cursor.execute(
            f"SELECT category_id, sum(published)::bigint, count(*) FROM {TABLE}"
            " GROUP BY category_id"
        )
        rows = cursor.fetchall()
    if sum(entries for _, _, entries in rows) > COMPACT_ABOVE:
        compact()
    return {category: count for category, count, _ in rows if count}


def compact() -> bool:
    """Fold the log into one row per category; False when another transaction holds it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT compact_business_category_counts()")
        return cursor.fetchone()[0]


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
