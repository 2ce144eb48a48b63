"""Loading listings by the hundred thousand: indexes and constraints rebuilt once.

Row by row, a million inserts update every index (a GiST, a full-text GIN, several
B-trees with random keys) and queue a million deferred foreign-key checks run at commit.
Building the same indexes after the load, and validating each constraint with one scan
or join, is several times cheaper. The price: DROP INDEX takes an ACCESS EXCLUSIVE lock,
so readers of the table wait until the transaction ends. Use it for initial loads and
massive refreshes, inside a transaction (a failure rolls the drop back with the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from geo_directory.businesses import counts

TABLE = "businesses_business"

# Every index but the primary key and those backing a constraint (rebuilt with it).
_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid
 WHERE i.indrelid = format('%%I.%%I', current_schema(), %s::text)::regclass
   AND NOT i.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
 ORDER BY c.relname"""

# Foreign keys, and unique constraints that no other table's foreign key relies on.
_CONSTRAINTS = """
SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
 WHERE k.conrelid = format('%%I.%%I', current_schema(), %s::text)::regclass
   AND (k.contype = 'f' OR k.contype = 'u' AND NOT EXISTS (
        SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid))
 ORDER BY k.contype DESC, k.conname"""


def rebuildable_indexes(cursor, table: str = TABLE) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes that back no constraint."""
    cursor.execute(_INDEXES, [table])
    return list(cursor.fetchall())


def rebuildable_constraints(cursor, table: str = TABLE) -> list[tuple[str, str]]:
    """(name, definition) of the foreign keys and free unique constraints, unique first."""
    cursor.execute(_CONSTRAINTS, [table])
    return list(cursor.fetchall())


# A GIN build keeps its posting lists in maintenance_work_mem and merges them into the
# index each time it is full: at a million names, 2 GB builds business_name_tsv in 4.6 s,
# 512 MB in 7.9 s. Set for the rebuild's transaction only: one bulk import at a time
# holds the table (ACCESS EXCLUSIVE), so this is one backend's peak, 2 GB of a 24 GB VM
# beside the 512 MB of shared_buffers. Parallel B-tree builds share the same budget.
REBUILD_MEMORY = "2GB"


@contextmanager
def indexes_rebuilt_after(
    cursor,
    table: str = TABLE,
    maintenance_work_mem: str = REBUILD_MEMORY,
    keep: Iterable[str] = (),
) -> Iterator[None]:
    """Drop ``table``'s indexes and constraints but the primary key; recreate them on exit.

    They come back identical and validated: a row that breaks a unique constraint or a
    foreign key fails the transaction. The deferrable constraints stay IMMEDIATE until
    the end of the transaction. The indexes named in ``keep`` stay in place: partial
    indexes the load adds no entry to, which a rebuild would scan the table for nothing.
    """
    # Deferred checks already queued must run now: an index cannot be dropped or built
    # on a table with pending trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    kept = set(keep)
    indexes = [index for index in rebuildable_indexes(cursor, table) if index[0] not in kept]
    constraints = rebuildable_constraints(cursor, table)
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    cursor.execute("SELECT set_config('maintenance_work_mem', %s, true)", [maintenance_work_mem])
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


# The dictionary of the name search (migration 0002): its INSERT trigger reads a
# transition table of every inserted row. DISABLE TRIGGER does not stop PostgreSQL from
# filling it (a million wide rows spilled to disk, 1.2 s); only dropping the trigger does.
NAME_WORDS_TRIGGER = "business_name_words_insert"


@contextmanager
def name_words_added_after(cursor, since_id: int) -> Iterator[None]:
    """Without the name-words INSERT trigger inside; on exit, recreate it and add once the
    words of the listings whose id is above ``since_id`` (what the trigger would add).

    For a transaction that holds the listings table (``indexes_rebuilt_after``): no one
    else inserts meanwhile, so the ids above ``since_id`` are its own. The category
    counts' INSERT trigger is dropped inside too, and the counts recounted once on exit
    (``counts.recounted_after``).
    """
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = %s"
        " AND tgrelid = format('%%I.%%I', current_schema(), %s::text)::regclass",
        [NAME_WORDS_TRIGGER, TABLE],
    )
    (definition,) = cursor.fetchone()
    cursor.execute(f'DROP TRIGGER "{NAME_WORDS_TRIGGER}" ON "{TABLE}"')
    with counts.recounted_after(cursor):
        yield
    cursor.execute(definition)
    cursor.execute(
        "INSERT INTO businesses_name_word (word) SELECT w.word"
        " FROM business_name_words(ARRAY("
        f"  SELECT DISTINCT name FROM {TABLE} WHERE id > %s)) AS w(word)"
        " WHERE NOT EXISTS (SELECT 1 FROM businesses_name_word d WHERE d.word = w.word)",
        [since_id],
    )
