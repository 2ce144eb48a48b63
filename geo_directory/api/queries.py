"""The listing endpoints' SQL: the one implementation of /businesses/, /businesses/{id}/,
/communes/{insee}/businesses/ and the live /clusters/, also run by ``make bench``.

A :class:`Query` is what DRF filter backends filter: each parameter family of ``params.py``
adds its condition (and may offer an order) in its ``filter_queryset``; this module writes
the statements: the page, the capped count, the clusters' grid. The statements are written
as SQL rather than built as Django querysets because building and compiling those cost 2 to
5 ms of Python per request on the shared cores, as much as the queries themselves.
``tests/api/test_listing_sql.py`` holds an independent oracle (plain Django ORM) and checks
these statements against it row for row, for every filter alone and combined.

Every geographic condition is served by a GiST index on ``location_l93`` (Lambert-93,
metres): ``ST_DWithin`` for a radius, ``&&`` with the viewport's Lambert-93 envelope, and the
KNN operator ``<->`` for nearest first.

One module of ~600 lines (over the ~500 rule on purpose): the search's tiers (their
ranking, the tail read by id, the first tier's window, the count in parts) are states of
:class:`Query` that its page and count statements read; split apart, each half would reach
into the other's attributes.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from django.db import connection

from geo_directory.businesses.hours import minute_of_week
from geo_directory.businesses.models import Business
from geo_directory.businesses.search import TSVECTOR_SQL, corrected, name_tsquery, query_words
from geo_directory.postgis.arrays import int_array
from geo_directory.postgis.l93 import L93, envelope, to_l93
from geo_directory.postgis.router import reads

from . import reference
from .query_words import Understanding, fold, understand

PUBLISHED = "b.merged_into_id IS NULL AND b.status = 'published'"
RELEVANCE = "word_similarity(immutable_unaccent(lower(%s)), immutable_unaccent(lower(b.name)))"


def scored_once_per_name(matches: str, extra: str = "") -> str:
    """``(id, relevance[, extra])`` of the rows of ``matches`` (a statement selecting
    ``b.id, b.name`` and the ``extra`` columns), each distinct name scored once: relevance
    is a function of the name, scoring costs more than reading the row (~5 µs), and names
    repeat (chains, « Boulangerie Martin »...). The last parameter is the query text."""
    return (
        f"WITH m AS MATERIALIZED ({matches}),"
        f" r AS MATERIALIZED (SELECT d.name, {RELEVANCE.replace('b.name', 'd.name')} AS relevance"
        " FROM (SELECT DISTINCT name FROM m) AS d)"
        f" SELECT m.id, r.relevance{extra} FROM m JOIN r ON r.name = m.name"
    )


def first_found(
    columns: str, column_params: list, where: tuple[str, list], typed: str | None, limit: int
) -> tuple[str, list]:
    """(statement, parameters) selecting ``columns`` of at most ``limit`` rows of ``where``:
    the first the index finds, those whose name has the ``typed`` words as typed before
    the others (their corrections: « martinez » for « martin »), so that a common word's
    bound holds its exact matches first. The others' statement is not run when the typed
    words fill the bound (a LIMIT of 0 reads nothing)."""
    select = f"SELECT {columns} FROM businesses_business b WHERE"
    if not typed or NAME_MATCH not in where[0]:
        return f"{select} {where[0]} LIMIT %s", [*column_params, *where[1], limit]
    # The typed words are among their own corrections (``as_typed``): their match implies
    # the corrected one, which it replaces (one full-text test per row, a smaller bitmap).
    at = where[0].index(NAME_MATCH)
    k = where[0][:at].count("%s")
    typed_where = where[0].replace(NAME_MATCH, TYPED_MATCH, 1)
    typed_params = [*where[1][:k], typed, *where[1][k + 1 :]]
    return (
        f"WITH e AS MATERIALIZED ({select} {typed_where} LIMIT %s)"
        f" SELECT * FROM e UNION ALL ({select} {where[0]}"
        " AND b.id <> ALL(ARRAY(SELECT id FROM e)) LIMIT (SELECT %s - count(*) FROM e))"
    ), [
        *column_params,
        *typed_params,
        limit,
        *column_params,
        *where[1],
        limit,
    ]


# A name search without a point ranks at most this many matches (the first the index
# finds; exact when fewer match): a common word alone matches tens of thousands, and
# ranking all of them cost 350 ms at 1M listings. Each ranked match is a heap page read
# at random (the full-text index always rechecks): 1,001 of them were 4.5-6 ms of the
# 11-13 ms a name search cost at 1M listings, for five pages of 50 that a resident reads
# at most (with a point, the home page's case, the search is nearest first and unbounded).
# When the bound is reached, the count is the ranked matches, a minimum (``count_exact:
# false``), as it was at 1,001: the planner's estimate cost one more statement (~1 ms).
RANKED_AT_MOST = 251

# Tier 0 of a trade alone (its listings with its word in their name) is looked for among
# this many of the trade's first listings per listing needed (Query._first_in_window): at
# 1M listings, half the bakeries have « boulangerie » in their name.
TIER_WINDOW = 4

# The answer's order, decided here once: the first of these that a filter offered, else
# by id. Nearest first with a point; by relevance with a name search; by (commune, id)
# with a commune or a département (the partial index business_published_commune_id);
# from the viewport's centre with in_bbox.
ORDERS = ("distance", "relevance", "commune", "screen centre")


@lru_cache(maxsize=1)
def _spheroid() -> str:
    """The spheroid of the listings' SRID, as GeoDjango's Distance(spheroid=True) sends it."""
    return Business._meta.get_field("location").spheroid(connection)


def open_condition(when: dt.datetime, params: list) -> str:
    """Open at ``when``: exact windows where stored and still valid, else the week
    (``BusinessQuerySet.open_condition``). Unknown (NULL) for a listing without hours."""
    params += [when, when, when, minute_of_week(when)]
    return (
        "((b.hours_windows @> (%s)::timestamptz AND b.hours_windows_until > %s)"
        " OR ((b.hours_windows_until IS NULL OR b.hours_windows_until <= %s)"
        " AND b.hours_week @> (%s)::int4))"
    )


def point_sql(lon: float, lat: float) -> tuple[str, list]:
    x, y = to_l93(lon, lat)
    return f"ST_SetSRID(ST_MakePoint(%s, %s), {L93})", [x, y]


class Query:
    """The published listings, as the filter backends narrow them and offer orders."""

    def __init__(self, now: dt.datetime):
        self.now = now
        # Where the router sends listings reads (a replica when healthy, the primary for a
        # request that wrote or whose author just did): all of this query's statements.
        self.connection = reads(Business)
        self.where = [PUBLISHED]
        self.params: list = []
        self._orders: dict[str, tuple[str, list]] = {}
        self._distance_from: tuple[float, float] | None = None
        self._relevance_to: str | None = None
        self._typed: str | None = None
        self._tiers: list[tuple[str, list]] = []
        self._union: tuple[str, list] | None = None  # the tiers' union, last condition
        self.unscored_tiers: set[int] = set()
        self._first_within: tuple[str, list] | None = None  # tier 0 = tier 1 AND this
        self._parts: tuple[tuple[str, list], tuple[str, list]] | None = None  # counted
        self._window = False  # tier 0 read through tier 1's first rows (_first_in_window)

    # What the filter backends call.
    def filter(self, sql: str, params: list | tuple = ()) -> Query:
        self.where.append(sql)
        self.params += params
        return self

    def within_metres(self, lon: float, lat: float, metres: float) -> Query:
        here, params = point_sql(lon, lat)
        return self.filter(f"ST_DWithin(b.location_l93, {here}, %s)", [*params, metres])

    def in_box(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> Query:
        """In the lon/lat box, on the GiST index of ``location_l93`` (``location`` has none).

        The box's Lambert-93 envelope (a superset) is the indexed condition; the exact test
        goes through lonlat_in_box() (api migration 0003), not ``location && box``: the
        planner would take the two boxes for independent and expect a single row.
        """
        box = [min_lon, min_lat, max_lon, max_lat]
        self.filter("lonlat_in_box(b.location, %s, %s, %s, %s)", box)
        return self.filter(
            f"b.location_l93 && ST_MakeEnvelope(%s, %s, %s, %s, {L93})", envelope(*box)
        )

    def offer_order(self, kind: str, sql: str = "", params: list | tuple = ()) -> Query:
        assert kind in ORDERS, kind
        self._orders.setdefault(kind, (sql, list(params)))
        return self

    def nearest_first(self, lon: float, lat: float) -> Query:
        """Nearest first (KNN on ``location_l93``), each row with ``distance_m`` (spheroid)."""
        here, params = point_sql(lon, lat)
        self._distance_from = (lon, lat)
        return self.offer_order("distance", f"(b.location_l93 <-> {here})", params)

    def by_relevance(self, text: str, typed: str | None = None) -> Query:
        """Ranked by relevance to ``text``; within the ranking bound the names having the
        ``typed`` words as typed first (``first_found``)."""
        self._relevance_to = text
        self._typed = typed
        return self.offer_order("relevance")

    def in_tiers(
        self,
        tiers: list[tuple[str, list]],
        union: tuple[str, list],
        unscored=frozenset(),
        first_within: tuple[str, list] | None = None,
        parts: tuple[tuple[str, list], tuple[str, list]] | None = None,
        window: bool = False,
    ) -> Query:
        """Only the listings of ``union`` (the tiers' conditions ORed), the matches of the
        first tier first, then those of the second... (each tier in the order the filters
        chose; by id in the last tier if ``unscored`` when by relevance). A tier's
        statement tests its own condition only, not the union (which would compute the
        name's full-text vector once more per row). ``first_within``: the first tier is
        the second's matches that also meet this (cheap) condition, so that ranking reads
        both in one statement (the name matches, each with its trade flag). ``parts``:
        (a trade, the names), the union being the trade's listings or the names; counted
        as the trade's, then the names outside the trade (``_count_in_parts``). ``window``:
        tier 0 is read among tier 1's first rows in the query's order (``_first_in_window``).
        """
        self._tiers, self._union = tiers, union
        self.unscored_tiers = set(unscored)
        assert self.unscored_tiers <= {len(tiers) - 1}, "only the last tier goes unscored"
        assert not window or first_within, "tier 0 is tier 1 AND first_within"
        self._first_within = first_within
        self._parts = parts
        self._window = window
        return self

    # The statements.
    @property
    def sort(self) -> str:
        return next((kind for kind in ORDERS if kind in self._orders), "id")

    def _where(self) -> str:
        return " AND ".join([*self.where, *([self._union[0]] if self._union else [])])

    def _params(self) -> list:
        return [*self.params, *(self._union[1] if self._union else [])]

    def condition(self) -> tuple[str, list]:
        """(WHERE, parameters) of every match, unordered (category_counts.py counts them)."""
        return self._where(), self._params()

    def _tier_wheres(self) -> list[tuple[str, list]]:
        """Each tier's WHERE: the filters and its condition (tiers: its matches not yet
        found, excluded by id: cheaper than testing the earlier tiers' conditions again)."""
        filters = " AND ".join(self.where)
        return [
            (f"{filters} AND ({sql}) AND b.id <> ALL(%s::bigint[])", [*self.params, *params])
            for sql, params in self._tiers
        ] or [(filters + " AND b.id <> ALL(%s::bigint[])", self.params)]

    def ranked(self) -> list[tuple[int, float]]:
        """(id, relevance) of the first RANKED_AT_MOST matches of the scored tiers, best
        first, then by id, tier by tier (the unscored tail, the trade's listings without
        the name, is read page by page: ``_tail_ids``). Their relevance is read in the same
        pass as their ids (one heap visit each)."""
        ranked: list[tuple[int, float]] = []
        wheres = list(zip(self._tier_wheres(), self._scored(), strict=True))
        with self.connection.cursor() as cursor:
            if self._first_within:  # tiers 0 and 1 in one pass: tier 1's, flagged
                (where, params), _ = wheres[1]
                matches, values = first_found(
                    f"b.id, b.name, {self._first_within[0]} AS first",
                    self._first_within[1],
                    (where, [*params, "{}"]),
                    self._typed,
                    RANKED_AT_MOST,
                )
                cursor.execute(
                    scored_once_per_name(matches, ", m.first"), [*values, self._relevance_to]
                )
                rows = cursor.fetchall()
                rows.sort(key=lambda row: (not row[2], -row[1], row[0]))
                ranked = [(pk, relevance) for pk, relevance, _ in rows]
                wheres = wheres[2:]
            for (where, params), scored in wheres:
                if len(ranked) >= RANKED_AT_MOST or not scored:
                    break
                matches, values = first_found(
                    "b.id, b.name",
                    [],
                    (where, [*params, int_array(pk for pk, _ in ranked)]),
                    self._typed,
                    RANKED_AT_MOST - len(ranked),
                )
                cursor.execute(scored_once_per_name(matches), [*values, self._relevance_to])
                scored_rows = cursor.fetchall()
                scored_rows.sort(key=lambda row: (-row[1], row[0]))
                ranked += scored_rows
        return ranked

    def _ranked(self) -> list[int]:
        if not hasattr(self, "_ranked_ids"):
            self._ranked_ids = [pk for pk, _ in self.ranked()]
        return self._ranked_ids

    def _tail(self) -> tuple[str, list] | None:
        """The unscored last tier's WHERE (the trade's listings without the name, by id),
        the ranked matches excluded, or None."""
        if not self._tiers or len(self._tiers) - 1 not in self.unscored_tiers:
            return None
        where, params = self._tier_wheres()[-1]
        return where, [*params, int_array(self._ranked())]

    def _tail_ids(self, offset: int, count: int) -> list[int]:
        """The ``count`` ids after the first ``offset`` of the unscored tail, by id: only the
        page's share, not every listing of a trade (LIMIT on the primary key's order)."""
        where, params = self._tail()
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT b.id FROM businesses_business b WHERE {where}"
                " ORDER BY b.id LIMIT %s OFFSET %s",
                [*params, count, offset],
            )
            return [row[0] for row in cursor.fetchall()]

    def _scored(self) -> list[bool]:
        return [pos not in self.unscored_tiers for pos in range(max(1, len(self._tiers)))]

    def tiered(self, count: int) -> list[int]:
        """Ids of the first ``count`` matches, tier by tier, each tier in the query's order
        (one index-served statement per tier, stopping when ``count`` are found)."""
        order, order_params = self._orders.get(self.sort, ("b.id", []))
        ids: list[int] = []
        with self.connection.cursor() as cursor:
            for tier, (where, params) in enumerate(self._tier_wheres()):
                if len(ids) >= count:
                    break
                # By id, the index (category_id, id) serves tier 0 well (api 0012).
                if tier == 0 and self._window and self.sort != "id":
                    found = self._first_in_window(cursor, order, order_params, count)
                    if found is not None:
                        ids += found
                        continue
                cursor.execute(
                    f"SELECT b.id FROM businesses_business b WHERE {where}"
                    f" ORDER BY {order} LIMIT %s",
                    [*params, int_array(ids), *order_params, count - len(ids)],
                )
                ids += [row[0] for row in cursor.fetchall()]
        return ids

    def _first_in_window(self, cursor, order: str, order_params: list, count: int):
        """Tier 0's first ``count`` ids (tier 1's matches meeting ``first_within``: a trade's
        listings with its word in their name), as found among tier 1's first
        ``TIER_WINDOW * count`` in the query's order (a walk of the trade's nearest listings
        on its index), or None if that window was full and held fewer: then tier 0's own
        statement. Taking the name and the trade for independent, the planner expects
        1,361 bakeries named « boulangerie » among 1M listings, not 25,864, and builds both
        bitmaps whole, then sorts every one of them by distance (« boulagerie » near a
        point: 85-120 ms at 1M), rather than walk the nearest bakeries."""
        where, params = self._tier_wheres()[1]
        first, first_params = self._first_within
        window = TIER_WINDOW * count
        cursor.execute(
            "WITH w AS MATERIALIZED (SELECT t.*, row_number() OVER () AS position FROM"
            " (SELECT b.id, b.name, b.category_id FROM businesses_business b"
            f" WHERE {where} ORDER BY {order} LIMIT %s) AS t)"
            f" SELECT ARRAY(SELECT b.id FROM w AS b WHERE {first} ORDER BY b.position"
            " LIMIT %s), (SELECT count(*) FROM w)",
            [*params, "{}", *order_params, window, *first_params, count],
        )
        found, read = cursor.fetchone()
        return found if len(found) == count or read < window else None

    def page(self, offset: int, limit: int, columns: tuple[str, ...]) -> list[dict]:
        """Rows of ``columns`` (views.LIST_FIELDS or DETAIL_FIELDS) and the computed
        open_now, takes_orders, lon, lat (and distance_m with a point), as dicts."""
        names, rows = self.page_rows(offset, limit, columns)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def page_rows(
        self, offset: int, limit: int, columns: tuple[str, ...]
    ) -> tuple[list[str], list[tuple]]:
        """``page``'s (column names, rows as tuples): the listing reads its 50-200 rows by
        position (a dict per row was ~8 % of its Python time)."""
        sort = self.sort
        if sort == "relevance" or self._tiers:
            if sort == "relevance":
                ranked = self._ranked()
                ids = ranked[offset : offset + limit]
                if len(ids) < limit and self._tail():
                    ids += self._tail_ids(max(0, offset - len(ranked)), limit - len(ids))
            else:
                ids = self.tiered(offset + limit)[offset : offset + limit]
            where, where_params = "b.id = ANY(%s::bigint[])", [int_array(ids)]
            order, order_params = "array_position(%s::bigint[], b.id)", where_params
            offset = 0
        else:
            where, where_params = self._where(), self._params()
            order, order_params = self._orders.get(sort, ("b.id", []))
        params: list = []
        select = (
            ", ".join(f"b.{name}" for name in columns)
            + f", {open_condition(self.now, params)} AS open_now,"
            " EXISTS(SELECT 1 FROM orders_campaign c WHERE c.business_id = b.id"
            " AND c.active AND c.cutoff_at > %s) AS takes_orders,"
            " ST_X(b.location) AS lon, ST_Y(b.location) AS lat"
        )
        params.append(self.now)
        names = [*columns, "open_now", "takes_orders", "lon", "lat"]
        if sort == "distance":
            select += (
                ", ST_DistanceSpheroid(b.location, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s)"
                " AS distance_m"
            )
            params += [*self._distance_from, _spheroid()]
            names.append("distance_m")
        sql = (
            f"SELECT {select} FROM businesses_business b WHERE {where}"
            f" ORDER BY {order} LIMIT %s OFFSET %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*params, *where_params, *order_params, limit, offset])
            return names, cursor.fetchall()

    def count(self, cap: int, more: tuple[str, list] | None = None) -> tuple[int, bool]:
        """(count, exact): exact up to ``cap`` rows, else the planner's estimate; both in
        one round trip (``api_capped_count``, migration api/0004). A name search counts its
        ranked matches, and the unscored tail (a trade's listings) with the cap left.
        ``more``: a boolean SQL expression telling that there are surely more than ``cap``
        (clusters.surely_more_than): when true, the estimate alone, as api_capped_count
        would answer, without reading cap rows; evaluated in the count's statement."""
        if more is not None and self.sort != "relevance":
            if self._parts:  # counted in parts: the expression's answer first
                with self.connection.cursor() as cursor:
                    cursor.execute(f"SELECT {more[0]}", more[1])
                    if cursor.fetchone()[0]:
                        return max(self._estimate(self.condition()), cap + 1), False
                return self._count_in_parts(cap)
            return self._capped_count(self.condition(), cap, more)
        if self.sort == "relevance":
            ranked = len(self._ranked())
            if ranked >= RANKED_AT_MOST:  # more match than were ranked: at least these
                return ranked, False
            tail = self._tail()
            if tail is None or ranked > cap:
                return ranked, ranked <= cap
            count, exact = self._capped_count(tail, cap - ranked)
            return ranked + count, exact
        if self._parts:
            return self._count_in_parts(cap)
        return self._capped_count((self._where(), self._params()), cap)

    def _ids_statement(self, where: tuple[str, list]) -> str:
        """The ids of ``where``'s matches, parameters written in: the text that
        api_capped_count runs (and, past its cap, estimates)."""
        ids = f"SELECT b.id FROM businesses_business b WHERE {where[0]}"
        return self.connection.ops.compose_sql(ids, where[1])

    def _estimate(self, where: tuple[str, list]) -> int:
        """The planner's estimate of ``where``'s matches, as api_capped_count gives it past
        its cap (the same statement text), without reading a row."""
        with self.connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + self._ids_statement(where))
            plan = cursor.fetchone()[0]
        return int(plan[0]["Plan"]["Plan Rows"])

    def _count_in_parts(self, cap: int) -> tuple[int, bool]:
        """The union of a trade's listings and a name's, counted as the trade's (an
        index-only scan of ``business_published_trade_commune``, stopping at the cap), then,
        with the cap left, the names outside the trade: a count of their OR built both
        bitmaps whole (« boulagerie » at 1M listings: 51,596 bakeries, 27,215 names)."""
        (trade, trade_params), (name, name_params) = self._parts
        filters = " AND ".join(self.where)
        where = (f"{filters} AND ({trade})", [*self.params, *trade_params])
        count, exact = self._capped_count(where, cap)
        if not exact:
            return count, False
        where = (
            f"{filters} AND ({name}) AND ({trade}) IS NOT TRUE",
            [*self.params, *name_params, *trade_params],
        )
        more, exact = self._capped_count(where, cap - count)
        return count + more, exact

    def _capped_count(
        self, where: tuple[str, list], cap: int, more: tuple[str, list] | None = None
    ) -> tuple[int, bool]:
        """``where``'s count up to ``cap``; when ``more`` (a boolean SQL expression) is
        true, the estimate alone: api_capped_count with a cap of -1 reads no row (LIMIT 0)
        and answers the planner's estimate, at least ``cap + 1`` here."""
        ids = self._ids_statement(where)
        with self.connection.cursor() as cursor:
            if more is None:
                cursor.execute("SELECT n, exact FROM api_capped_count(%s, %s)", [ids, cap])
                count, exact = cursor.fetchone()
                return count, exact
            cursor.execute(
                f"SELECT c.n, c.exact, s.more FROM (SELECT {more[0]} AS more) AS s,"
                " LATERAL api_capped_count(%s, CASE WHEN s.more THEN -1 ELSE %s END) AS c",
                [*more[1], ids, cap],
            )
            count, exact, surely = cursor.fetchone()
        return (max(count, cap + 1), False) if surely else (count, exact)

    def grid_clusters(self, cell_m: float) -> list[tuple[int, float, float, int]]:
        """Every match (no ranking bound) grouped on a square grid of ``cell_m`` metres
        (Lambert-93): ``(count, lon, lat, smallest id)`` per non-empty cell, the centre being
        the mean position of the cell's listings. One pass over the rows the filters'
        indexes select."""
        sql = f"""
            SELECT n, ST_X(c), ST_Y(c), min_id FROM (
                SELECT count(*) AS n, min(b.id) AS min_id,
                       ST_Transform(ST_SetSRID(ST_MakePoint(avg(ST_X(b.location_l93)),
                                                            avg(ST_Y(b.location_l93))), {L93}),
                                    4326) AS c
                  FROM businesses_business b
                 WHERE {self._where()} AND b.location_l93 IS NOT NULL
                 GROUP BY floor(ST_X(b.location_l93) / %s), floor(ST_Y(b.location_l93) / %s)
            ) AS cells"""
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*self._params(), float(cell_m), float(cell_m)])
            return cursor.fetchall()


NAME_MATCH = f"{TSVECTOR_SQL.format('b.name')} @@ %s::tsquery"
# The name has the words as typed (no correction): the same full-text index.
TYPED_MATCH = (
    f"{TSVECTOR_SQL.format('b.name')} @@ plainto_tsquery('simple', immutable_unaccent(lower(%s)))"
)


def name_matches(query: Query, tsquery: str | None) -> Query:
    """Listings having, for every query word, one of its corrections (search.py): the GIN
    full-text index ``business_name_tsv``. No correction for a word: nothing matches."""
    if tsquery is None:
        return query.filter("false")
    return query.filter(NAME_MATCH, [tsquery])


def search(query: Query, text: str) -> Query:
    """``q=``: trades, a commune and name words (``query_words.understand``).

    The commune restricts; the listings of the trades (their categories and those below)
    and those whose name has the name words are found together (GIN full-text index and
    the (status, category) index), the names first: listings of the trades with the name,
    then with the name, then of the trades. A query of trades only lists the listings of
    the trades having those words in their name first, then the others of the trades,
    then the other names having the words (what the name search alone found), each tier
    in the filters' order (by id without one: not by relevance). A commune
    that may be words of a name (``Understanding.name_reading``) is read as a name when the
    words together are in one. When the reading finds no published listing at all, the
    whole text is searched in the names.
    """
    understood = reading(text)
    if understood.interpreted:
        commune = ("b.commune_id = %s", [understood.commune]) if understood.commune else None
        tiers, trade_found = _trade_and_name_tiers(understood, commune)
        union = tiers[1:] if len(tiers) > 1 else tiers
        if trade_found is False:  # the trade has none here: do the names?
            union = [tier for tier in union if NAME_MATCH in tier[0]]
        if trade_found or _any_published(commune, union):
            if commune:
                query.filter(*commune)
            if not tiers:  # a place only: its listings
                return query.offer_order("commune", "b.commune_id, b.id")
            # With name words: the names first, the trade's among them first (one pass over
            # the name matches), then the trade's other listings, by id (nothing to rank
            # them by), read page by page.
            if understood.name_text and len(tiers) == 3:
                query.in_tiers(
                    tiers, _any_of(union), {2}, first_within=tiers[2], parts=(tiers[2], tiers[1])
                )
            elif not understood.name_text and understood.categories:
                # A trade alone: each tier in the filters' order (by id without one), read
                # page by page: every name found has the trade's word (or one of its few
                # corrections), nothing to rank them by; scoring the trade's named listings
                # read 1,001 of them from two bitmaps built whole (« boulagerie », 1M: 20 ms).
                if len(tiers) < 3:
                    return query.in_tiers(tiers, _any_of(union))
                return query.in_tiers(
                    tiers,
                    _any_of(union),
                    first_within=tiers[2],
                    parts=(tiers[1], tiers[2]),
                    window=True,
                )
            else:
                query.in_tiers(tiers, _any_of(union))
            name = next((params[0] for sql, params in tiers if sql == NAME_MATCH), None)
            return query.by_relevance(understood.words_text, as_typed(understood.name_text, name))
    tsquery = name_tsquery(text)
    return name_matches(query, tsquery).by_relevance(text, as_typed(text, tsquery))


def as_typed(text: str | None, tsquery: str | None) -> str | None:
    """``text`` when each of its words is among its own corrections (some name has it as
    typed), else None: a slip (« pual ») as typed finds nothing, not worth a statement."""
    if not text or not tsquery:
        return None
    lexemes = set(re.findall(r"'((?:[^']|'')*)'", tsquery))
    return text if all(word in lexemes for word in query_words(fold(text))) else None


def reading(text: str) -> Understanding:
    """``understand(text)``, or its ``name_reading`` when the words together are in a name
    (« marie blachère »: the shops, not the commune Marie): the search's and the
    suggestions' one reading of a query."""
    understood = understand(text)
    if understood.name_reading and _named(understood.name_reading):
        return understood.name_reading
    return understood


def _trade_and_name_tiers(
    understood: Understanding, commune: tuple[str, list] | None
) -> tuple[list[tuple[str, list]], bool | None]:
    """The tiers of the trade and the name words, and whether the trade has a published
    listing (in the commune): None without a trade. That probe (one buffer of
    ``business_published_trade_commune``) rides on the names' correction statement."""
    names = understood.name_text or understood.trade_text
    trade = None
    if understood.categories:
        ids = reference.get().descendants(list(understood.categories))
        # One category (most trades): an equality, which the index (category_id, id) of
        # the published listings serves in id order (api 0012); ANY would not.
        trade = ("b.category_id = %s", ids) if len(ids) == 1 else ("b.category_id = ANY(%s)", [ids])
    probe = _exists(commune, trade) if trade else ("false", [])
    tsquery, trade_found = corrected(names, probe) if names else (None, False)
    trade_found = trade_found if trade else None
    name = (NAME_MATCH, [tsquery]) if tsquery else None
    if trade is None:
        return ([name] if name else []), None
    if name is None:
        return [trade], trade_found
    both = (f"{trade[0]} AND {name[0]}", [*trade[1], *name[1]])
    if understood.name_text:
        return [both, name, trade], trade_found
    return [both, trade, name], trade_found


def _any_of(tiers: list[tuple[str, list]]) -> tuple[str, list] | None:
    if not tiers:
        return None
    sql = " OR ".join(f"({condition})" for condition, _ in tiers)
    return f"({sql})", [p for _, params in tiers for p in params]


def _named(reading: Understanding) -> bool:
    """Are the name words of ``reading`` (a commune's words among them, as typed) all in
    the name of one published listing (of its commune, if it names another)? One EXISTS on
    the full-text index: the words together, not each word corrected, so that a commune
    stays a commune unless a name has it beside the other words (« marie blachère »)."""
    commune = ("b.commune_id = %s", [reading.commune]) if reading.commune else None
    sql, values = _exists(commune, (TYPED_MATCH, [reading.name_text]))
    with reads(Business).cursor() as cursor:
        cursor.execute(f"SELECT {sql}", values)
        return cursor.fetchone()[0]


def _any_published(commune: tuple[str, list] | None, tiers: list[tuple[str, list]]) -> bool:
    """Does one published listing (of the commune) match one of the conditions: one
    EXISTS per condition, each stopping at its index's first row (one EXISTS of their
    OR would build both bitmaps whole). The trade's first: a probe of the btree
    ``business_published_trade_commune`` (one buffer), while the names' is a GIN bitmap
    built whole (``business_published_commune_name``: 13 ms for Marseille's « paul » at
    1M listings under load), then needed only when the trade has no listing there."""
    tiers = sorted(tiers, key=lambda tier: NAME_MATCH in tier[0])
    checks = [_exists(commune, tier) for tier in tiers] or [_exists(commune, None)]
    with reads(Business).cursor() as cursor:
        cursor.execute(
            "SELECT " + " OR ".join(sql for sql, _ in checks), [p for _, ps in checks for p in ps]
        )
        return cursor.fetchone()[0]


def _exists(
    commune: tuple[str, list] | None, condition: tuple[str, list] | None
) -> tuple[str, list]:
    """EXISTS a published listing (of the commune) meeting ``condition``."""
    where, params = [PUBLISHED], []
    for sql, values in [c for c in (commune, condition) if c]:
        where.append(f"({sql})")
        params += values
    return f"EXISTS (SELECT 1 FROM businesses_business b WHERE {' AND '.join(where)})", params


# Suggestions rank the first matches the index finds (few: a suggestion must be instant).
SUGGEST_CANDIDATES = 100


def suggested_shops(understood: Understanding, limit: int) -> list[tuple[int, str, str]]:
    """(id, name, commune code) of published listings whose name has the query's name
    words (else its trade words), in its commune if it names one, best named first among
    the first SUGGEST_CANDIDATES the full-text index finds."""
    names = understood.name_text or understood.trade_text
    tsquery = name_tsquery(names) if names else None
    if tsquery is None:
        return []
    where, params = [PUBLISHED, NAME_MATCH], [tsquery]
    if understood.commune:
        where.append("b.commune_id = %s")
        params.append(understood.commune)
    with reads(Business).cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, commune_id FROM (SELECT b.id, b.name, b.commune_id,"
            f" {RELEVANCE} AS r FROM businesses_business b WHERE {' AND '.join(where)}"
            " LIMIT %s) AS candidates ORDER BY r DESC, id LIMIT %s",
            [names, *params, SUGGEST_CANDIDATES, limit],
        )
        return cursor.fetchall()


def published_by_id(pk: int, now: dt.datetime) -> Query:
    """One published listing (the detail endpoint)."""
    return Query(now).filter("b.id = %s", [pk])


def published_names(ids) -> list[tuple[int, str, int]]:
    """(id, name, category id) of the published listings among ``ids``: the clusters' cells
    of one listing. Written here rather than through the ORM, whose queryset cost ~0.5 ms
    of Python to build and compile per request."""
    with reads(Business).cursor() as cursor:
        cursor.execute(
            "SELECT b.id, b.name, b.category_id FROM businesses_business b"
            f" WHERE {PUBLISHED} AND b.id = ANY(%s::bigint[])",
            [int_array(ids)],
        )
        return cursor.fetchall()
