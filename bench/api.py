"""Search API latency: the HTTP endpoint through gunicorn against the same SQL by hand.

For each query type, ``REQUESTS`` requests (after a warm-up) go to a real gunicorn
(one sync worker, 127.0.0.1, a free port) serving the bench database, and the same
number of executions of the equivalent hand-written SQL go through psycopg on the same
database, in the same run. "Equivalent" means the statements the endpoint needs to
answer: the page of rows with the same columns (and the capped count for listings,
see ``geo_directory/api/views.py``), not a subset of them. The parameters vary between
requests (several points, viewports, communes, texts) so that no single cached plan or
page flatters either side.

One module of ~800 lines (over the ~500 rule on purpose): each case's URLs and its
hand-written SQL sit side by side, so that a change of an endpoint and of its reference
are read (and reviewed) together.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

import psycopg

# Modules of the application that need no Django set-up: the reference SQL shares their
# constants and helpers with the endpoints.
from geo_directory.businesses.hours import minute_of_week
from geo_directory.businesses.search import ALTERNATIVES
from geo_directory.postgis.l93 import envelope
from geo_directory.territory.region import EXTENT

from .db import ROOT, connect, django_env, manage

REGION_BBOX = ",".join(f"{v:g}" for v in EXTENT)


def _application():
    """Django set up on the bench database (as profile_api does), for the constants of the
    one implementation the endpoints run (geo_directory/api/queries.py, views.py) and the
    backend's session settings."""
    import django
    from django.apps import apps

    if not apps.ready:
        os.environ.update(django_env())
        django.setup()
    from geo_directory.api import queries, views
    from geo_directory.postgis.base import SESSION_SETTINGS

    return views.COUNT_CAP, queries.RANKED_AT_MOST, SESSION_SETTINGS


REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
# Only the cases whose name begins with one of these (comma-separated), e.g. "text,q:".
ONLY = tuple(p.strip() for p in os.environ.get("BENCH_CASES", "").split(",") if p.strip())
WARMUP = 20

# City centres (lon, lat) of the region: "near me" and radius queries start around them.
CENTRES = [
    (5.3750, 43.2960),  # Marseille, Vieux-Port
    (5.4474, 43.5297),  # Aix-en-Provence
    (7.2620, 43.6980),  # Nice
    (5.9280, 43.1240),  # Toulon
    (4.8060, 43.9490),  # Avignon
    (6.9220, 43.6590),  # Grasse
    (6.0790, 44.5590),  # Gap
]
COMMUNES = ["13001", "83137", "84007", "06088", "05061", "13004", "83069"]
# Each is a trade and a name (query_words.py): the trade's listings and the names, in tiers.
SEARCHES = [
    "boulagerie fabre",
    "fromagerie martin",
    "pizeria giordano",
    "librairie dupont",
    "cafe garnier",
    "cordonerie blanc",
    "epicerie fine roux",
]

# The issue's shapes: a trade, a name and a commune; a slip in a short name; suggestions.
TRADE_NAME_COMMUNE = [
    "boulangerie paul marseille",
    "fleuriste martin nice",
    "boucherie roux toulon",
    "resto blanc avignon",
    "cave pons aix-en-provence",
    "pizzeria giordano antibes",
]
SHORT_NAME_SLIPS = ["Pual", "Rouz", "Balnc", "Pnos", "Burn", "Rmey"]
SUGGESTS = ["boulagerie", "pau", "fleuriste nice", "marti", "boucherie roux", "à aix"]
# The issue's queries (#17, docs/search.md), one case each: a trade and a name, a trade
# alone (a slip), a slip in a short name, trade + name + commune, a name in a commune
# named after « à », a plain name (no trade, no commune).
ISSUE_QUERIES = [
    "boulangerie Paul",
    "boulagerie",
    "Pual",
    "boulangerie Paul marseille",
    "Paul à Aix",
    "fabre",
]

FEATURE_COLUMNS = """b.id, b.name, b.category_id, b.street, b.postcode, b.commune_id, b.phone,
    b.email, b.website, b.opening_hours, b.offers_pickup, b.offers_delivery,
    ((b.hours_windows_until > %(now)s AND b.hours_windows @> %(now)s::timestamptz)
     OR ((b.hours_windows_until IS NULL OR b.hours_windows_until <= %(now)s)
         AND b.hours_week @> %(minute)s::int4)) AS open_now,
    EXISTS(SELECT 1 FROM orders_campaign c WHERE c.business_id = b.id AND c.active
           AND c.cutoff_at > %(now)s) AS takes_orders,
    ST_X(b.location) AS lon, ST_Y(b.location) AS lat"""
HERE = "ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 2154)"
HERE_4326 = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"


def _capped(where: str) -> str:
    COUNT_CAP = _application()[0]
    return (
        f"SELECT count(*) FROM (SELECT b.id FROM businesses_business b WHERE {where}"
        f" LIMIT {COUNT_CAP + 1}) AS capped"
    )


def _explain(where: str) -> str:
    return f"EXPLAIN (FORMAT JSON) SELECT b.id FROM businesses_business b WHERE {where}"


@dataclass
class Case:
    """One query type: URLs and, for each, the SQL statements that answer it."""

    name: str
    urls: list[str] = field(default_factory=list)
    sql: list[list[tuple[str, dict]]] = field(default_factory=list)


def _listing_sql(where: str, order: str, limit: int, params: dict, extra_cols: str = ""):
    page = (
        f"SELECT {FEATURE_COLUMNS}{extra_cols} FROM businesses_business b WHERE {where}"
        f" ORDER BY {order} LIMIT {limit + 1}"
    )
    # As the endpoint: a count only when the page is not the whole answer, capped, and
    # the planner's estimate only past the cap.
    cap = _application()[0]
    return [
        (page, params, lambda rows: len(rows) > limit),
        (_capped(where), params, lambda rows: rows[0][0] > cap),
        (_explain(where), params, None),
    ]


# Keystrokes in the communes' search box (already as normalise_place_query leaves them).
PLACE_PREFIXES = ["mar", "aix", "saint rem", "nic", "toul", "gap", "sain", "ant", "cann", "hyer"]
# /api/v1/communes/?q= by hand: the stored normalised name on its trigram index.
AUTOCOMPLETE_SQL = """
SELECT code, name, postcodes, departement_id, population, ST_X(centre), ST_Y(centre), rank
  FROM (SELECT c.*, CASE WHEN search_name = t THEN 0
                         WHEN search_name LIKE t || '%%' THEN 1
                         WHEN search_name LIKE '%% ' || t || '%%' THEN 2
                         ELSE 3 END AS rank,
               word_similarity(t, search_name) AS sim
          FROM territory_commune AS c,
               regexp_replace(immutable_unaccent(lower(%(q)s)), '[^a-z0-9]+', ' ', 'g') AS t
         WHERE search_name LIKE '%%' || t || '%%'
            OR (length(t) >= 4 AND t <%% search_name AND word_similarity(t, search_name) >= 0.6)
       ) AS matches
 ORDER BY rank, CASE WHEN rank = 3 THEN -sim END, population DESC NULLS LAST, name
 LIMIT %(limit)s"""
_CELLS_SQL = """
SELECT n, ST_X(c), ST_Y(c), min_id FROM (
    SELECT sum(n)::int AS n, min(min_id) AS min_id,
           ST_Transform(ST_SetSRID(ST_MakePoint(sum(sx) / sum(n), sum(sy) / sum(n)), 2154),
                        4326) AS c
      FROM {table}
     WHERE level = %(level)s AND cx BETWEEN %(x0)s AND %(x1)s
       AND cy BETWEEN %(y0)s AND %(y1)s{categories}
     GROUP BY cx / %(k)s, cy / %(k)s) AS cells"""
CLUSTERS_ALL_SQL = _CELLS_SQL.format(table="api_cluster_cell_all", categories="")
CLUSTERS_CATEGORY_SQL = _CELLS_SQL.format(
    table="api_cluster_cell", categories=" AND category_id = ANY(%(categories)s::bigint[])"
)
SINGLES_SQL = """SELECT b.id, b.name, b.category_id FROM businesses_business b
 WHERE b.id = ANY(%(singles)s::bigint[])
   AND b.status = 'published' AND b.merged_into_id IS NULL"""


NAME_TSV = "to_tsvector('simple'::regconfig, immutable_unaccent(lower(b.name)))"
PUBLISHED = "b.status = 'published' AND b.merged_into_id IS NULL"
SEARCH_TSQUERY = (
    "SELECT search_name_tsquery(%(words)s::text[], %(alternatives)s, %(slips)s::text[],"
    " %(slip_of)s::int[])::text"
)
LONG_WORDS_TSQUERY = (
    "SELECT business_name_tsquery(%(words)s::text[], %(alternatives)s)::text, EXISTS (SELECT 1"
    " FROM unnest(%(short)s::text[]) AS u(w) WHERE NOT EXISTS (SELECT 1"
    " FROM businesses_name_word e WHERE e.word = immutable_unaccent(lower(u.w))))"
)
RELEVANCE = (
    "word_similarity(immutable_unaccent(lower(%(names)s)), immutable_unaccent(lower(b.name)))"
)


def _first_found(columns: str, where: str, limit: str, typed: str | None):
    """As queries.first_found: at most ``limit`` rows of ``where``, the names having the
    ``typed`` words as typed first when they are among their corrections
    (queries.as_typed, known once the correction's step carried tp["tsquery"])."""
    from geo_directory.api.queries import as_typed

    def sql(tp):
        select = f"SELECT {columns} FROM businesses_business b WHERE {where}"
        tp["typed"] = as_typed(typed, tp["tsquery"])
        if not tp["typed"]:
            return f"{select} LIMIT {limit}"
        # The typed words' match implies the corrected one, which it replaces.
        typed_select = select.replace(
            f"{NAME_TSV} @@ %(tsquery)s::tsquery",
            f"{NAME_TSV} @@ plainto_tsquery('simple', immutable_unaccent(lower(%(typed)s)))",
        )
        return (
            f"WITH e AS MATERIALIZED ({typed_select} LIMIT {limit}) SELECT * FROM e UNION ALL"
            f" ({select} AND b.id <> ALL(ARRAY(SELECT id FROM e))"
            f" LIMIT (SELECT {limit} - count(*) FROM e))"
        )

    return sql


def _scored_once_per_name(matches: str, extra: str = "") -> str:
    """As queries.scored_once_per_name: the matches' rows, each distinct name scored once."""
    return (
        f"WITH m AS MATERIALIZED ({matches}),"
        f" r AS MATERIALIZED (SELECT d.name, {RELEVANCE.replace('b.name', 'd.name')}"
        " AS relevance FROM (SELECT DISTINCT name FROM m) AS d)"
        f" SELECT m.id, r.relevance{extra} FROM m JOIN r ON r.name = m.name"
    )


def _tsquery_steps(text: str, tp: dict, probe: str = "false") -> list[tuple]:
    """The name words corrected through the dictionary: tp["tsquery"]. As
    search.corrected: the trigram correction, whether a short word is unknown and the
    value of ``probe`` (tp["probed"]: does the trade have a listing), then only if a short
    word is unknown, the correction with its slips."""
    from geo_directory.businesses.search import query_words, slips

    words = query_words(text)
    strings, of = slips(words)
    short = [words[i - 1] for i in sorted(set(of))]
    tp.update(
        words=words, slips=strings, slip_of=of, alternatives=ALTERNATIVES, names=text, short=short
    )

    def carry(rows, tp=tp):
        tp["tsquery"], tp["unknown"], tp["probed"] = rows[0]
        return True

    def carry_slipped(rows, tp=tp):
        tp["tsquery"] = rows[0][0]
        return True

    return [
        (f"{LONG_WORDS_TSQUERY}, {probe}", tp, carry),
        (lambda tp: SEARCH_TSQUERY if tp["unknown"] else None, tp, carry_slipped),
    ]


def _search_steps(q: str, base: dict, trade_ids, understood=None) -> list[tuple]:
    """As /businesses/?q= (api/queries.py: search, Query.ranked, Query._tail_ids, the page
    by id, Query.count): the query read in memory (query_words.understand, no SQL); the
    name words corrected; does this reading find a listing; the ids, relevance and trade
    flag of at most RANKED_AT_MOST name matches (one pass: the trade's first); the trade's
    other listings by id, only the page's share, if the names do not fill the page; the
    page's rows by primary key; past the page, the names plus the trade's capped count."""
    from geo_directory.api.query_words import understand

    cap, ranked_at_most, _ = _application()
    understood = understood or understand(q)
    # The bench's searches all name a trade and a name: the tiered reading.
    assert understood.categories and understood.name_text, q
    tp = {**base, "commune": understood.commune}
    place = " AND b.commune_id = %(commune)s" if understood.commune else ""
    name = f"{NAME_TSV} @@ %(tsquery)s::tsquery"
    trade = _trade(trade_ids(understood.categories), tp)
    tail = f"{PUBLISHED}{place} AND ({trade}) AND b.id <> ALL(%(ranked)s::bigint[])"

    def found(rows, tp=tp):
        return bool(rows[0][0])

    def ranked(rows, tp=tp):
        rows.sort(key=lambda row: (not row[2], -row[1], row[0]))
        tp["ranked"] = [row[0] for row in rows]
        tp["bounded"] = len(rows) >= ranked_at_most  # more names than were ranked
        tp["page"] = tp["ranked"][:51]
        return True

    def tail_page(tp):
        tp["need"] = 51 - len(tp["page"])
        return (
            None
            if tp["need"] <= 0
            else f"SELECT b.id FROM businesses_business b WHERE {tail} ORDER BY b.id LIMIT %(need)s"
        )

    def carry_tail(rows, tp=tp):
        tp["page"] += [row[0] for row in rows]
        return True

    def count(tp):
        tp["left"] = cap - len(tp["ranked"])
        if tp["bounded"]:  # the ranked names, a minimum: no statement
            return None
        if tp["left"] < 0:
            return None
        return (
            f"SELECT count(*) FROM (SELECT b.id FROM businesses_business b WHERE {tail}"
            " LIMIT %(left)s + 1) AS capped"
        )

    probe = f"EXISTS (SELECT 1 FROM businesses_business b WHERE {PUBLISHED}{place} AND {trade})"
    corrected = _tsquery_steps(understood.name_text, tp, probe)
    tp["names"] = understood.words_text  # ranked by the trade and name words
    names_first = _first_found(
        f"b.id, b.name, {trade} AS first",
        f"{PUBLISHED}{place} AND {name}",
        str(ranked_at_most),
        understood.name_text,
    )
    return [
        *corrected,
        _names_if_no_trade(place, name, tp, found),
        (
            lambda tp: _scored_once_per_name(names_first(tp), ", m.first"),
            tp,
            ranked,
        ),
        (tail_page, tp, carry_tail),
        (
            f"SELECT {FEATURE_COLUMNS} FROM businesses_business b"
            " WHERE b.id = ANY(%(page)s::bigint[])"
            " ORDER BY array_position(%(page)s::bigint[], b.id)",
            tp,
            lambda rows: len(rows) > 50,  # a count only past the page
        ),
        (count, tp, lambda rows, tp=tp: rows[0][0] > tp["left"]),
        # Past the cap: the planner's estimate (none when the names alone pass it).
        (lambda tp: None if tp["left"] < 0 or tp["bounded"] else _explain(tail), tp, None),
    ]


def _names_if_no_trade(place: str, name: str, tp: dict, found) -> tuple:
    """As search.corrected's probe: the names' EXISTS only if the trade has no listing
    (there)."""
    return (
        lambda tp: (
            None
            if tp["probed"]
            else f"SELECT EXISTS (SELECT 1 FROM businesses_business b WHERE {PUBLISHED}"
            f"{place} AND {name})"
        ),
        tp,
        found,
    )


def _trade(ids: list[int], tp: dict) -> str:
    """As queries._trade_and_name_tiers: one category by equality (the index (category_id,
    id) then gives its listings in id order), several by ANY."""
    if len(ids) == 1:
        tp["trade"] = ids[0]
        return "b.category_id = %(trade)s"
    tp["trade"] = ids
    return "b.category_id = ANY(%(trade)s::int2[])"


NAMED_SQL = (
    f"SELECT EXISTS (SELECT 1 FROM businesses_business b WHERE {PUBLISHED}{{place}} AND"
    f" {NAME_TSV} @@ plainto_tsquery('simple', immutable_unaccent(lower(%(words)s))))"
)


def _named_step(reading) -> tuple:
    """As queries._named: are a doubtful commune's words, with the name words, a name?"""
    place = " AND b.commune_id = %(commune)s" if reading.commune else ""
    params = {"commune": reading.commune, "words": reading.name_text}
    return (NAMED_SQL.format(place=place), params, lambda rows: True)


def _understood_steps(conn, q: str, base: dict, trade_ids) -> list[tuple]:
    """Any /businesses/?q= without a point, as queries.search reads it: the name
    reading's check when the commune is doubtful, then the statements of the reading."""
    from geo_directory.api.query_words import understand

    understood, steps = understand(q), []
    # (getattr: the bench also measures the versions before the name reading.)
    if getattr(understood, "name_reading", None):
        sql, params, go_on = _named_step(understood.name_reading)
        steps.append((sql, params, go_on))
        if conn.execute(sql, params).fetchone()[0]:
            understood = understood.name_reading
    if not understood.interpreted:
        return steps + _plain_search_steps(q, base)
    if understood.categories and understood.name_text:
        return steps + _search_steps(q, base, trade_ids, understood)
    if understood.categories:
        return steps + _trade_steps(understood, base, trade_ids)
    return steps + _tiers_steps(understood, base)


def _trade_steps(understood, base: dict, trade_ids) -> list[tuple]:
    """A trade alone (« boulagerie »), as Query.tiered by id and Query._count_in_parts: the
    trade's word corrected; does the reading find a listing; each tier (of the trade and
    named so, of the trade, named so) by id, only what the page needs, a later tier
    excluding the ids found; the page by id; past the page, the trade's capped count, then
    (under the cap) the names outside the trade."""
    cap = _application()[0]
    tp = {**base, "commune": understood.commune}
    place = " AND b.commune_id = %(commune)s" if understood.commune else ""
    name = f"{NAME_TSV} @@ %(tsquery)s::tsquery"
    trade = _trade(trade_ids(understood.categories), tp)
    tiers = [f"{trade} AND {name}", trade, name]
    probe = f"EXISTS (SELECT 1 FROM businesses_business b WHERE {PUBLISHED}{place} AND {trade})"
    corrected = _tsquery_steps(understood.trade_text, tp, probe)

    def found(rows, tp=tp):
        return bool(rows[0][0])

    def tier(condition, first=False):
        def sql(tp):
            if first:
                tp["page"] = []  # each request reads afresh
            tp["need"] = 51 - len(tp["page"])
            return (
                None
                if tp["need"] <= 0
                else f"SELECT b.id FROM businesses_business b WHERE {PUBLISHED}{place}"
                f" AND ({condition}) AND b.id <> ALL(%(page)s::bigint[])"
                " ORDER BY b.id LIMIT %(need)s"
            )

        return sql

    def carry(rows, tp=tp):
        tp["page"] += [row[0] for row in rows]
        return True

    def trade_count(rows, tp=tp):
        tp["left"] = cap - rows[0][0]
        return True

    def names_count(tp):
        if tp["left"] < 0:
            return _explain(f"{PUBLISHED}{place} AND ({trade})")  # past the cap: estimate
        return (
            f"SELECT count(*) FROM (SELECT b.id FROM businesses_business b WHERE {PUBLISHED}"
            f"{place} AND ({name}) AND ({trade}) IS NOT TRUE LIMIT %(left)s + 1) AS capped"
        )

    return [
        *corrected,
        _names_if_no_trade(place, name, tp, found),
        *[(tier(condition, i == 0), tp, carry) for i, condition in enumerate(tiers)],
        (
            f"SELECT {FEATURE_COLUMNS} FROM businesses_business b"
            " WHERE b.id = ANY(%(page)s::bigint[])"
            " ORDER BY array_position(%(page)s::bigint[], b.id)",
            tp,
            lambda rows: len(rows) > 50,  # a count only past the page
        ),
        (_capped(f"{PUBLISHED}{place} AND ({trade})"), tp, trade_count),
        (names_count, tp, None),
    ]


def _tiers_steps(understood, base: dict) -> list[tuple]:
    """Names in a commune (« Paul à Aix »), scored (Query.ranked) up to RANKED_AT_MOST, the
    page by id; the count is the ranked matches (no SQL)."""
    ranked_at_most = _application()[1]
    words = understood.name_text
    tp = {**base, "commune": understood.commune, "ranked": [], "left": ranked_at_most}
    place = " AND b.commune_id = %(commune)s" if understood.commune else ""
    name = f"{NAME_TSV} @@ %(tsquery)s::tsquery"
    tiers = [name]
    corrected = _tsquery_steps(words, tp)
    tp["names"] = understood.words_text

    def found(rows, tp=tp):
        tp["ranked"], tp["left"] = [], ranked_at_most  # each request ranks afresh
        return bool(rows[0][0])

    def scored(rows, tp=tp):
        rows.sort(key=lambda row: (-row[1], row[0]))
        tp["ranked"] += [row[0] for row in rows]
        tp["left"] = ranked_at_most - len(tp["ranked"])
        tp["page"] = tp["ranked"][:51]
        return True

    def tier(condition):
        matches = _first_found(
            "b.id, b.name",
            f"{PUBLISHED}{place} AND ({condition}) AND b.id <> ALL(%(ranked)s::bigint[])",
            "%(left)s",
            words,
        )
        return lambda tp: None if tp["left"] <= 0 else _scored_once_per_name(matches(tp))

    union = tiers[1:] or tiers
    exists = " OR ".join(
        f"EXISTS (SELECT 1 FROM businesses_business b WHERE {PUBLISHED}{place} AND ({c}))"
        for c in union
    )
    return [
        *corrected,
        (f"SELECT {exists}", tp, found),
        *[(tier(condition), tp, scored) for condition in tiers],
        (
            f"SELECT {FEATURE_COLUMNS} FROM businesses_business b"
            " WHERE b.id = ANY(%(page)s::bigint[])"
            " ORDER BY array_position(%(page)s::bigint[], b.id)",
            tp,
            None,
        ),
    ]


def _plain_search_steps(q: str, base: dict) -> list[tuple]:
    """As /businesses/?q= for a name alone (no trade, no commune): corrected (with the
    short words' slips), ranked, the page by id; the count is the ranked matches (no SQL)."""
    ranked_at_most = _application()[1]
    tp = {**base}

    def carry_page(rows, tp=tp):
        ranked = sorted(rows, key=lambda row: (-row[1], row[0]))
        tp["page"] = [row[0] for row in ranked[:51]]
        return True

    names_first = _first_found(
        "b.id, b.name",
        f"{PUBLISHED} AND {NAME_TSV} @@ %(tsquery)s::tsquery",
        str(ranked_at_most),
        q,
    )
    return [
        *_tsquery_steps(q, tp),
        (
            lambda tp: _scored_once_per_name(names_first(tp)),
            tp,
            carry_page,
        ),
        (
            f"SELECT {FEATURE_COLUMNS} FROM businesses_business b"
            " WHERE b.id = ANY(%(page)s::bigint[])"
            " ORDER BY array_position(%(page)s::bigint[], b.id)",
            tp,
            None,
        ),
    ]


def _suggest_steps(conn, q: str) -> list[tuple]:
    """As /suggest/?q= (views.suggestions): the query read in memory, with the name
    reading's check when the commune is doubtful (queries.reading); the communes of its
    last word when it names none (the autocomplete's statement); the name words
    corrected; the shops among the first SUGGEST_CANDIDATES the full-text index finds."""
    from geo_directory.api import queries, query_words, views
    from geo_directory.territory.managers import normalise_place_query

    understood, steps = query_words.understand(q), []
    if understood.name_reading:
        sql, params, go_on = _named_step(understood.name_reading)
        steps.append((sql, params, go_on))
        if conn.execute(sql, params).fetchone()[0]:
            understood = understood.name_reading
    names = understood.name_text or understood.trade_text
    trades = len(dict.fromkeys([*understood.categories, *query_words.trade_prefixes(q)]))
    last = q.split()[-1]
    communes = 1 if understood.commune else 2 if len(last) >= 3 else 0
    tp = {
        "commune": understood.commune,
        "candidates": queries.SUGGEST_CANDIDATES,
        "room": 4 * (views.SUGGESTIONS - min(trades, 2) - communes),
    }
    if not understood.commune and len(last) >= 3:
        place = {"q": normalise_place_query(last), "limit": 2}
        steps.append((AUTOCOMPLETE_SQL, place, lambda rows: True))
    if names:
        place = " AND b.commune_id = %(commune)s" if understood.commune else ""
        steps += [
            *_tsquery_steps(names, tp),
            (
                f"SELECT id, name, commune_id FROM (SELECT b.id, b.name, b.commune_id,"
                f" {RELEVANCE} AS r FROM businesses_business b WHERE {PUBLISHED}"
                f" AND {NAME_TSV} @@ %(tsquery)s::tsquery{place} LIMIT %(candidates)s)"
                " AS candidates ORDER BY r DESC, id LIMIT %(room)s",
                tp,
                None,
            ),
        ]
    return steps


def build_cases(conn, n: int) -> list[Case]:
    rng = random.Random(n)
    now = time.time()
    import datetime as dt

    from geo_directory.businesses.hours import PARIS

    when = dt.datetime.fromtimestamp(now, PARIS)
    base = {"now": when, "minute": minute_of_week(when)}
    boulangerie = conn.execute(
        "SELECT id FROM businesses_category WHERE slug = 'boulangerie'"
    ).fetchone()[0]
    from geo_directory.api import clusters as cl

    near, radius, bbox, commune, text, clusters = (
        Case("near me: 20 nearest, category"),
        Case("radius 1 km"),
        Case("bbox city-centre screen"),
        Case("commune"),
        Case("text search"),
        Case("clusters z8 whole region"),
    )
    understood = Case("text: trade, name, commune")
    slip = Case("text: slip in a short name")
    suggest = Case("suggestions")
    categories = dict(conn.execute("SELECT slug, id FROM businesses_category").fetchall())
    parents = dict(conn.execute("SELECT id, parent_id FROM businesses_category").fetchall())

    def trade_ids(slugs):  # the categories and those below them
        ids = {categories[slug] for slug in slugs}
        return sorted(ids | {c for c, p in parents.items() if p in ids})

    issue = [Case(f"q: {q}") for q in ISSUE_QUERIES]
    for case, q in zip(issue, ISSUE_QUERIES, strict=True):
        case.urls.append("/api/v1/businesses/?" + urllib.parse.urlencode({"q": q}))
        case.sql.append(_understood_steps(conn, q, base, trade_ids))
    clusters_z11 = Case("clusters z11 screen")
    clusters_z11_cat = Case("clusters z11 screen, category")
    autocomplete = Case("commune autocomplete")
    screens = []
    # As Business.objects.published(): duplicates linked to another listing are hidden.
    published = "b.status = 'published' AND b.merged_into_id IS NULL"
    for i in range(24):
        lon, lat = CENTRES[i % len(CENTRES)]
        lon += rng.uniform(-0.01, 0.01)
        lat += rng.uniform(-0.01, 0.01)
        p = {**base, "lon": lon, "lat": lat}
        near.urls.append(
            f"/api/v1/businesses/?point={lon:.5f},{lat:.5f}&category=boulangerie&page_size=20"
        )
        near.sql.append(
            _listing_sql(
                f"{published} AND b.category_id = {boulangerie}",
                f"b.location_l93 <-> {HERE}",
                20,
                p,
                f", ST_DistanceSpheroid(b.location, {HERE_4326}) AS distance_m",
            )
        )
        radius.urls.append(f"/api/v1/businesses/?point={lon:.5f},{lat:.5f}&dist=1000")
        radius.sql.append(
            _listing_sql(
                f"{published} AND ST_DWithin(b.location_l93, {HERE}, 1000)",
                f"b.location_l93 <-> {HERE}",
                50,
                p,
                f", ST_DistanceSpheroid(b.location, {HERE_4326}) AS distance_m",
            )
        )
        # A 1.5 km × 1 km screen in central Marseille (1° lon ≈ 81 km, 1° lat ≈ 111 km).
        cx, cy = 5.3750 + rng.uniform(-0.01, 0.01), 43.2960 + rng.uniform(-0.005, 0.005)
        box = tuple(round(v, 5) for v in (cx - 0.00926, cy - 0.0045, cx + 0.00926, cy + 0.0045))
        bbox.urls.append("/api/v1/businesses/?in_bbox=" + ",".join(f"{v:.5f}" for v in box))
        # As the endpoint (params.Viewport, queries.Query.in_box): centre first, one KNN
        # scan bounded by the box's Lambert-93 envelope.
        bbox.sql.append(
            _listing_sql(
                f"{published} AND lonlat_in_box(b.location, %(x0)s, %(y0)s, %(x1)s, %(y1)s)"
                " AND b.location_l93 && ST_MakeEnvelope(%(ex0)s, %(ey0)s, %(ex1)s,"
                " %(ey1)s, 2154)",
                "b.location_l93 <-> ST_Transform(ST_SetSRID(ST_MakePoint(%(cx)s, %(cy)s), 4326),"
                " 2154)",
                50,
                {
                    **base,
                    **dict(zip(("x0", "y0", "x1", "y1"), box, strict=True)),
                    **dict(zip(("ex0", "ey0", "ex1", "ey1"), envelope(*box), strict=True)),
                    "cx": (box[0] + box[2]) / 2,
                    "cy": (box[1] + box[3]) / 2,
                },
            )
        )
        code = COMMUNES[i % len(COMMUNES)]
        commune.urls.append(f"/api/v1/businesses/?commune={code}")
        commune.sql.append(
            _listing_sql(
                f"{published} AND b.commune_id = %(code)s",
                "b.commune_id, b.id",
                50,
                {**base, "code": code},
            )
        )
        q = SEARCHES[i % len(SEARCHES)]
        text.urls.append("/api/v1/businesses/?" + urllib.parse.urlencode({"q": q}))
        text.sql.append(_search_steps(q, base, trade_ids))
        q = TRADE_NAME_COMMUNE[i % len(TRADE_NAME_COMMUNE)]
        understood.urls.append("/api/v1/businesses/?" + urllib.parse.urlencode({"q": q}))
        understood.sql.append(_understood_steps(conn, q, base, trade_ids))
        q = SHORT_NAME_SLIPS[i % len(SHORT_NAME_SLIPS)]
        slip.urls.append("/api/v1/businesses/?" + urllib.parse.urlencode({"q": q}))
        slip.sql.append(_plain_search_steps(q, base))
        q = SUGGESTS[i % len(SUGGESTS)]
        suggest.urls.append("/api/v1/suggest/?" + urllib.parse.urlencode({"q": q}))
        suggest.sql.append(_suggest_steps(conn, q))
        clusters.urls.append(f"/api/v1/clusters/?in_bbox={REGION_BBOX}&zoom=8")
        # A zoom-11 screen (1280 × 800 px, ~70 km × 42 km) around a city centre.
        lon, lat = CENTRES[i % len(CENTRES)]
        screen = (lon - 0.44, lat - 0.19, lon + 0.44, lat + 0.19)
        screens.append(screen)
        clusters_z11.urls.append(
            "/api/v1/clusters/?zoom=11&in_bbox=" + ",".join(f"{v:.5f}" for v in screen)
        )
        clusters_z11_cat.urls.append(clusters_z11.urls[-1] + "&category=alimentation")
        word = PLACE_PREFIXES[i % len(PLACE_PREFIXES)]
        autocomplete.urls.append("/api/v1/communes/?" + urllib.parse.urlencode({"q": word}))
        autocomplete.sql.append([(AUTOCOMPLETE_SQL, {"q": word, "limit": 10}, None)])
    # The cells' SQL as written by hand (clusters.py): one row per cell without a filter,
    # the chosen categories' rows with one; then the listings shown alone (count 1).
    alimentation = [
        row[0]
        for row in conn.execute(
            "WITH RECURSIVE t AS (SELECT id FROM businesses_category WHERE slug = 'alimentation'"
            " UNION SELECT c.id FROM businesses_category c JOIN t ON c.parent_id = t.id)"
            " SELECT id FROM t"
        ).fetchall()
    ]

    def cells(zoom, box, categories=None):
        level, k = cl.precomputed_grid(cl.cell_size(zoom, box))
        x0, y0, x1, y1 = envelope(*box)
        params = {
            "level": level,
            "k": k,
            "x0": int(x0 // level),
            "x1": int(x1 // level),
            "y0": int(y0 // level),
            "y1": int(y1 // level),
            "categories": categories,
        }

        def carry_singles(rows, params=params):
            params["singles"] = [row[3] for row in rows if row[0] == 1]
            return bool(params["singles"])

        sql = CLUSTERS_ALL_SQL if categories is None else CLUSTERS_CATEGORY_SQL
        return [(sql, params, carry_singles), (SINGLES_SQL, params, None)]

    for _ in clusters.urls:
        clusters.sql.append(cells(8, EXTENT))
    for screen in screens:
        clusters_z11.sql.append(cells(11, screen))
        clusters_z11_cat.sql.append(cells(11, screen, alimentation))
    return [
        near,
        radius,
        bbox,
        commune,
        text,
        understood,
        slip,
        *issue,
        suggest,
        clusters,
        clusters_z11,
        clusters_z11_cat,
        autocomplete,
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the project on the bench database, one sync worker.

    ``env`` adds to the Django environment (e.g. ``TILE_URL``). ``production=True``
    serves as ``make run`` does instead: ``gunicorn.conf.py`` (its
    workers from the core count, its access log), ``DEBUG`` off; always on 127.0.0.1, on
    ``port`` (default: a free one). ``log`` receives gunicorn's output (default: inherited).
    """

    def __init__(self, production: bool = False, log=None, env: dict | None = None, port: int = 0):
        self.port = port or _free_port()
        env = {**django_env(), **(env or {})}
        if production:
            env["DEBUG"] = "0"
            args = ["--config", str(ROOT / "gunicorn.conf.py")]
        else:
            # gunicorn also reads ./gunicorn.conf.py: its access log is not for the bench,
            # nor its response cache (a repeated URL would be replayed from memory, not
            # answered by the SQL it is compared with).
            args = ["--workers", "1", "--log-level", "warning", "--access-logfile", "/dev/null"]
            env["API_RESPONSE_CACHE_SECONDS"] = "0"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "geo_directory.wsgi:application",
                *args,
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.get("/api/v1/categories/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))
    ]


def measure(server: Server, conn: psycopg.Connection, case: Case):
    """HTTP and SQL samples taken alternately, so both see the same machine load."""
    http_samples, sql_samples = [], []
    for i in range(WARMUP + REQUESTS):
        url = case.urls[i % len(case.urls)]
        started = time.perf_counter()
        status, body = server.get(url)
        http_ms = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"{case.name}: HTTP {status} for {url}: {body[:300]!r}")
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for sql, params, go_on in case.sql[i % len(case.sql)]:
                if callable(sql):  # a statement the endpoint runs only in some cases
                    sql = sql(params)
                    if sql is None:
                        continue
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                if go_on is None or not go_on(rows):
                    break
        sql_ms = (time.perf_counter() - started) * 1000
        if i >= WARMUP:
            http_samples.append(http_ms)
            sql_samples.append(sql_ms)
    return http_samples, sql_samples


def run(n: int, log=print) -> list[dict]:
    from .synthetic import populate

    populate(n, log=log)
    manage("refresh_clusters")
    results = []
    log(
        f"  load average before: {' '.join(f'{v:.1f}' for v in os.getloadavg())}"
        f" on {os.cpu_count()} CPUs"
    )
    # Client-side binding, as Django does: no server-side prepared-plan advantage.
    with connect(autocommit=True, cursor_factory=psycopg.ClientCursor) as conn:
        # The session settings the application's backend sends on its connections.
        for name, value in _application()[2].items():
            conn.execute("SELECT set_config(%s, %s, false)", [name, value])
        cases = [c for c in build_cases(conn, n) if not ONLY or c.name.startswith(ONLY)]
        server = Server()
        try:
            for case in cases:
                http_samples, sql_samples = measure(server, conn, case)
                http_p50, http_p95 = _percentiles(http_samples)
                sql_p50, sql_p95 = _percentiles(sql_samples)
                results.append(
                    {
                        "n": n,
                        "query": case.name,
                        "http_p50": http_p50,
                        "http_p95": http_p95,
                        "sql_p50": sql_p50,
                        "sql_p95": sql_p95,
                        "ratio": http_p50 / sql_p50 if sql_p50 else float("inf"),
                    }
                )
                log(f"  {case.name}: HTTP p50 {http_p50:.2f} ms, SQL p50 {sql_p50:.2f} ms")
        finally:
            server.stop()
    log(f"  load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return results


def table(results: list[dict]) -> str:
    header = (
        f"{'N':>9} | {'query':<30} | {'HTTP p50':>8} | {'HTTP p95':>8} | "
        f"{'SQL p50':>7} | {'SQL p95':>7} | {'ratio':>5} | goal"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        limit = 50 if r["query"].startswith("clusters") else 15
        ok = r["http_p50"] < limit and r["ratio"] <= 5
        lines.append(
            f"{r['n']:>9,} | {r['query']:<30} | {r['http_p50']:>8.2f} | {r['http_p95']:>8.2f} | "
            f"{r['sql_p50']:>7.2f} | {r['sql_p95']:>7.2f} | {r['ratio']:>5.1f} | "
            f"{'ok' if ok else 'MISSED'}"
        )
    return "\n".join(lines)


def chip_counts(visits: int = 150, log=print) -> dict:
    """The map chips' counts, per view of the load test's visits (``loadtest.Sessions``):
    ``categories/counts/`` (one request, as the map asks it now) against the five
    ``businesses/?category=<parent>&page_size=1`` it asked before, in process (Django's
    test client, the response cache off), on the bench database Django is set to
    (``bench.db.django_env``). Also the counts endpoint without its precomputed mode.
    ``python -c 'from bench.api import chip_counts; chip_counts()'``."""
    import urllib.parse

    from django.conf import settings
    from django.test import Client

    from geo_directory.api import clusters
    from geo_directory.businesses.models import Category

    from .loadtest import Sessions

    settings.API_RESPONSE_CACHE_SECONDS = 0
    with connect() as conn:
        sessions = Sessions(conn, 19, [])
    urls = list(
        dict.fromkeys(p for _ in range(visits) for k, p in sessions.visit() if k == "counts")
    )
    parents = list(Category.objects.filter(parent=None).values_list("slug", flat=True))
    client = Client(HTTP_HOST="127.0.0.1")

    def timed(url: str) -> float:
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return (time.perf_counter() - started) * 1000

    def old(url: str) -> float:
        box = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["in_bbox"][0]
        return sum(
            timed(
                "/api/v1/businesses/?"
                + urllib.parse.urlencode({"category": slug, "in_bbox": box, "page_size": 1})
            )
            for slug in parents
        )

    def live_only(url: str) -> float:
        kept = clusters.PRECOMPUTED_MIN_ROWS
        clusters.PRECOMPUTED_MIN_ROWS = float("inf")
        try:
            return timed(url)
        finally:
            clusters.PRECOMPUTED_MIN_ROWS = kept

    for url in urls[:10]:  # warm the plans and the caches
        timed(url), old(url)
    # Interleaved, URL by URL: the three ways see the same machine load.
    new, live, before = [], [], []
    for url in urls:
        new.append(timed(url))
        live.append(live_only(url))
        before.append(old(url))
    out = {
        "views": len(urls),
        "counts p50/p95": _percentiles(new),
        "counts, live only, p50/p95": _percentiles(live),
        f"{len(parents)} listing counts p50/p95": _percentiles(before),
    }
    log(
        ", ".join(
            f"{k} {v if isinstance(v, int) else f'{v[0]:.1f}/{v[1]:.1f} ms'}"
            for k, v in out.items()
        )
    )
    return out
