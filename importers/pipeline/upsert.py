"""Stage 3: the set-based upsert into the listings.

Closes what the source says is closed, updates changed rows only (``IS DISTINCT FROM``,
never a field listed in ``owned_fields``), inserts new ones (rebuilding the indexes after
a big load: ``geo_directory.businesses.bulk``), links new records to the listing of
another source they duplicate, and with ``full_refresh`` closes what vanished.
"""

from __future__ import annotations

import time

from geo_directory.businesses.bulk import indexes_rebuilt_after, name_words_added_after

from .. import reasons
from .sql import OK as _OK
from .sql import POINT as _POINT

DUPLICATE_DISTANCE_M = 50
NAME_SIMILARITY = 0.4  # pg_trgm similarity of immutable_unaccent(lower(name))
GEOCODE_NOTE = "à géocoder : la source ne donne pas de coordonnées"
DIFF_SAMPLE = 10
BULK_FROM = 20_000  # new listings from which indexes are rebuilt after the insert

# (owned-field name, column, staged value): what an import may change, unless owned.
_UPDATABLE = (
    ("name", "name", "s.name"),
    ("category", "category_id", "s.category_id"),
    ("street", "street", "s.street"),
    ("postcode", "postcode", "s.postcode"),
    ("phone", "phone", "s.phone"),
    ("email", "email", "s.email"),
    ("website", "website", "s.website"),
    ("opening_hours", "opening_hours", "s.opening_hours"),
    # The source's own words, when they could not be read (``optional.py``): a merchant
    # who owns the hours owns them too.
    ("opening_hours", "opening_hours_text", "s.opening_hours_text"),
)


# The columns insert_new fills (in the order of its SELECT).
INSERTED_COLUMNS = (
    "name",
    "category_id",
    "siret",
    "description",
    "street",
    "postcode",
    "commune_id",
    "location",
    "geocode_precision",
    "geocode_score",
    "phone",
    "email",
    "website",
    "opening_hours",
    "opening_hours_text",
    "hours_week",
    "hours_windows",
    "hours_windows_until",
    "offers_pickup",
    "offers_delivery",
    "status",
    "moderation_note",
    "source",
    "external_id",
    "owned_fields",
    "created_at",
    "updated_at",
)


def _untouched_indexes() -> list[str]:
    """The partial indexes ``WHERE column IS NOT NULL`` of columns insert_new leaves NULL
    (owner, merged_into, delivery_zone): a bulk load adds no entry to them, so they stay."""
    from geo_directory.businesses.models import Business

    names = []
    for index in Business._meta.indexes:
        condition = index.condition
        if condition is None or condition.negated or len(condition.children) != 1:
            continue
        lookup, value = condition.children[0]
        field, _, operator_ = lookup.partition("__")
        column = Business._meta.get_field(field).column
        if operator_ == "isnull" and value is False and column not in INSERTED_COLUMNS:
            names.append(index.name)
    return names


def _changed_sql() -> str:
    parts = [
        f"('{owned}' <> ALL(b.owned_fields) AND b.{column} IS DISTINCT FROM {value})"
        for owned, column, value in _UPDATABLE
    ]
    parts.append(
        f"('location' <> ALL(b.owned_fields) AND s.lon IS NOT NULL"
        f" AND b.location IS DISTINCT FROM {_POINT})"
    )
    parts.append(
        "('siret' <> ALL(b.owned_fields) AND s.siret <> '' AND b.siret IS DISTINCT FROM s.siret"
        " AND NOT EXISTS (SELECT 1 FROM businesses_business h"
        " WHERE h.siret = s.siret AND h.id <> b.id))"
    )
    parts.append("(b.status = 'closed' AND NOT s.closed)")  # open again in the source
    return "(" + " OR ".join(parts) + ")"


_HOURS = (  # (column, staged value)
    ("hours_week", "s.hours_week::int4multirange"),
    ("hours_windows", "s.hours_windows::tstzmultirange"),
    ("hours_windows_until", "s.hours_windows_until"),
)


def _set_sql() -> str:
    sets = [
        f"{column} = CASE WHEN '{owned}' = ANY(b.owned_fields) THEN b.{column} ELSE {value} END"
        for owned, column, value in _UPDATABLE
    ]
    keep_hours = "'opening_hours' = ANY(b.owned_fields)"
    for column, staged in _HOURS:
        sets.append(f"{column} = CASE WHEN {keep_hours} THEN b.{column} ELSE {staged} END")
    keep_location = "('location' = ANY(b.owned_fields) OR s.lon IS NULL)"
    sets.append(f"location = CASE WHEN {keep_location} THEN b.location ELSE {_POINT} END")
    for column in ("commune_id", "geocode_precision", "geocode_score"):
        sets.append(f"{column} = CASE WHEN {keep_location} THEN b.{column} ELSE s.{column} END")
    sets.append(
        "siret = CASE WHEN 'siret' = ANY(b.owned_fields) OR s.siret = '' OR EXISTS ("
        "SELECT 1 FROM businesses_business h WHERE h.siret = s.siret AND h.id <> b.id)"
        " THEN b.siret ELSE s.siret END"
    )
    # A listing waiting for a position ("à géocoder") that the source now places is
    # published; a closed one the source lists as active again is reopened.
    waiting = (
        f"(b.status = 'pending' AND b.location IS NULL AND b.moderation_note = '{GEOCODE_NOTE}')"
    )
    sets.append(
        f"status = CASE WHEN {waiting} AND s.lon IS NOT NULL AND NOT {keep_location}"
        " THEN 'published' WHEN b.status <> 'closed' THEN b.status"
        " WHEN b.location IS NOT NULL OR s.lon IS NOT NULL THEN 'published' ELSE 'pending' END"
    )
    sets.append(
        f"moderation_note = CASE WHEN {waiting} AND s.lon IS NOT NULL AND NOT {keep_location}"
        " THEN '' ELSE b.moderation_note END"
    )
    sets.append("updated_at = now()")
    return ", ".join(sets)


class Upsert:
    """The upsert stage of ``Pipeline``."""

    def upsert(self, cursor, full_refresh: bool) -> None:
        report = self.report
        match = "b.source = %(source)s AND b.external_id = s.external_id"
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM businesses_business WHERE source = %s)", [self.source]
        )
        matched = 0
        if cursor.fetchone()[0]:  # else a first load: nothing to match, close or update
            cursor.execute(
                f"SELECT count(*) FROM import_staging s JOIN businesses_business b ON {match}"
                f" WHERE {_OK}",
                {"source": self.source},
            )
            matched = cursor.fetchone()[0]
            report.closed = self.execute(
                cursor,
                f"UPDATE businesses_business b SET status = 'closed', updated_at = now()"
                f" FROM import_staging s WHERE {match} AND {_OK} AND s.closed"
                f" AND b.status <> 'closed'",
            )
            self.sample_diffs(cursor, match)
            report.updated = self.execute(
                cursor,
                f"UPDATE businesses_business b SET {_set_sql()} FROM import_staging s"
                f" WHERE {match} AND {_OK} AND NOT s.closed AND {_changed_sql()}",
            )
        report.unchanged = matched - report.closed - report.updated
        started = time.monotonic()
        bulk = self.bulk_load(cursor, matched)
        if bulk:
            with indexes_rebuilt_after(cursor, keep=_untouched_indexes()):
                # The table is ours (ACCESS EXCLUSIVE) until the commit: every id above
                # the current maximum is one this import inserts.
                cursor.execute("SELECT COALESCE(max(id), 0) FROM businesses_business")
                since_id = cursor.fetchone()[0]
                with name_words_added_after(cursor, since_id):
                    self.insert_new(cursor, match)
                inserted = time.monotonic()
            rebuilt = time.monotonic()
            created = ("n.id > %(since_id)s", {"since_id": since_id})
        else:
            cursor.execute("DROP TABLE IF EXISTS import_created")
            cursor.execute("CREATE TEMP TABLE import_created (id bigint) ON COMMIT DROP")
            self.insert_new(cursor, match, returning_into="import_created")
            inserted = time.monotonic()
            created = ("n.id IN (SELECT id FROM import_created)", {})
        report.timings["upsert: insert"] = round(inserted - started, 2)
        if bulk:
            report.timings["upsert: rebuild indexes"] = round(rebuilt - inserted, 2)
        if self.closed_rows:
            cursor.execute(
                "SELECT count(*) FROM import_staging s"
                f" WHERE {_OK} AND s.closed AND NOT EXISTS (SELECT 1 FROM businesses_business b"
                f" WHERE {match})",
                {"source": self.source},
            )
            closed_unlisted = cursor.fetchone()[0]
            if closed_unlisted:
                report.skipped[reasons.CLOSED_NOT_LISTED] += closed_unlisted
        report.merged = self.link_duplicates(cursor, *created)
        if full_refresh:
            report.vanished = self.execute(
                cursor,
                "UPDATE businesses_business b SET status = 'closed', updated_at = now()"
                " WHERE b.source = %(source)s AND b.external_id IS NOT NULL"
                " AND b.status <> 'closed' AND b.owner_id IS NULL AND NOT EXISTS ("
                " SELECT 1 FROM import_staging s WHERE s.external_id = b.external_id)",
            )

    def bulk_load(self, cursor, matched: int) -> bool:
        """Whether to rebuild the listings' indexes after the insert.

        When the new rows are at least BULK_FROM and at least half the table: a first
        load or a massive one, where building indexes once beats updating them row by row.
        """
        cursor.execute(f"SELECT count(*) FROM import_staging s WHERE {_OK} AND NOT s.closed")
        new = cursor.fetchone()[0] - matched
        cursor.execute(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class"
            " WHERE oid = 'businesses_business'::regclass"
        )
        return new >= BULK_FROM and new >= cursor.fetchone()[0] / 2

    def insert_new(self, cursor, match: str, returning_into: str | None = None) -> None:
        """Insert the records no listing of this source holds yet; with ``returning_into``,
        keep their ids in that table."""
        insert = f"""INSERT INTO businesses_business ({", ".join(INSERTED_COLUMNS)})
              SELECT s.name, s.category_id,
                     CASE WHEN s.siret <> '' AND h.id IS NULL THEN s.siret END,
                     '', s.street, s.postcode, s.commune_id, {_POINT},
                     CASE WHEN s.lon IS NULL THEN '' ELSE s.geocode_precision END,
                     s.geocode_score, s.phone, s.email, s.website, s.opening_hours,
                     s.opening_hours_text,
                     {", ".join(staged for _, staged in _HOURS)}, false, false,
                     CASE WHEN s.lon IS NULL THEN 'pending' ELSE 'published' END,
                     CASE WHEN s.lon IS NULL THEN %(note)s ELSE '' END,
                     %(source)s, s.external_id, '{{}}', now(), now()
                FROM import_staging s
                LEFT JOIN businesses_business h ON s.siret <> '' AND h.siret = s.siret
               WHERE {_OK} AND NOT s.closed AND NOT EXISTS (
                     SELECT 1 FROM businesses_business b WHERE {match})"""
        if returning_into:
            insert = (
                f"WITH created AS ({insert} RETURNING id)"
                f" INSERT INTO {returning_into} SELECT id FROM created"
            )
        self.report.created = self.execute(cursor, insert, {"note": GEOCODE_NOTE})

    def link_duplicates(self, cursor, created: str, params: dict) -> int:
        """Point each new record to the listing of another source it duplicates.

        ``created`` is the SQL condition on ``n`` (a listing) of the records this import
        inserted, with its ``params``. Set-based joins, so the planner can start from the
        smaller side (usually the listings of the other sources): first the same SIRET
        (the new record could not take it, the unique constraint holds it elsewhere),
        then, for the rest, the nearest listing within DUPLICATE_DISTANCE_M with a
        trigram-similar name.
        """
        cursor.execute("ANALYZE businesses_business")
        by_siret = self.execute(
            cursor,
            f"""UPDATE businesses_business AS n
                   SET merged_into_id = COALESCE(o.merged_into_id, o.id)
                  FROM import_staging s, businesses_business o
                 WHERE {created} AND s.external_id = n.external_id AND {_OK}
                   AND n.siret IS NULL AND s.siret <> '' AND o.siret = s.siret
                   AND o.source <> %(source)s AND o.id <> n.id""",
            params,
        )
        nearby = self.execute(
            cursor,
            f"""UPDATE businesses_business AS t SET merged_into_id = m.primary_id
                  FROM (
                    SELECT DISTINCT ON (n.id) n.id, COALESCE(o.merged_into_id, o.id) AS primary_id
                      FROM businesses_business o
                      JOIN businesses_business n
                        ON ST_DWithin(o.location_l93, n.location_l93, {DUPLICATE_DISTANCE_M})
                     WHERE {created}
                       AND o.source <> %(source)s AND o.id <> n.id AND n.merged_into_id IS NULL
                       AND similarity(immutable_unaccent(lower(o.name)),
                                      immutable_unaccent(lower(n.name))) >= {NAME_SIMILARITY}
                     ORDER BY n.id, o.location_l93 <-> n.location_l93
                  ) AS m
                 WHERE t.id = m.id""",
            params,
        )
        return by_siret + nearby

    def sample_diffs(self, cursor, match: str) -> None:
        columns = [(owned, column, value) for owned, column, value in _UPDATABLE]
        columns.append(
            ("location", "location", f"CASE WHEN s.lon IS NULL THEN b.location ELSE {_POINT} END")
        )
        columns.append(("status", "status", "CASE WHEN s.closed THEN 'closed' ELSE b.status END"))
        selects = ", ".join(
            f"CASE WHEN '{owned}' = ANY(b.owned_fields) THEN NULL ELSE"
            f" ARRAY[b.{column}::text, ({value})::text] END"
            for owned, column, value in columns
        )
        cursor.execute(
            f"SELECT s.external_id, {selects} FROM import_staging s"
            f" JOIN businesses_business b ON {match}"
            f" WHERE {_OK} AND (s.closed AND b.status <> 'closed'"
            f"  OR NOT s.closed AND {_changed_sql()}) ORDER BY s.line LIMIT {DIFF_SAMPLE}",
            {"source": self.source},
        )
        for external_id, *pairs in cursor.fetchall():
            changes = {
                column: (pair[0], pair[1])
                for (_, column, _), pair in zip(columns, pairs, strict=True)
                if pair is not None and pair[0] != pair[1]
            }
            self.report.diffs.append({"external_id": external_id, "changes": changes})
