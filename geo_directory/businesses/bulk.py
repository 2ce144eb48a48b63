"""Loading listings by the hundred thousand: indexes and constraints rebuilt once.

Row by row, a million inserts update every index (two GiST, a full-text GIN, several
B-trees with random keys) and queue a million deferred foreign-key checks run at commit.
Building the same indexes after the load, and validating each constraint with one scan
or join, is several times cheaper. The price: DROP INDEX takes an ACCESS EXCLUSIVE lock,
so readers of the table wait until the transaction ends. Use it for initial loads and
massive refreshes, inside a transaction (a failure rolls the drop back with the rest).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def indexes_rebuilt_after(
    cursor, table: str = TABLE, maintenance_work_mem: str = "512MB"
) -> Iterator[None]:
    """Drop ``table``'s indexes and constraints but the primary key; recreate them on exit.

    They come back identical and validated: a row that breaks a unique constraint or a
    foreign key fails the transaction. The deferrable constraints stay IMMEDIATE until
    the end of the transaction.
    """
    # Deferred checks already queued must run now: an index cannot be dropped or built
    # on a table with pending trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    indexes = rebuildable_indexes(cursor, table)
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
