"""The listing and detail endpoints' statements, written as SQL: the hot path of the API.

Building and compiling the equivalent Django querysets (filters, open-now flag, the
"takes orders" subquery, the capped count) cost 2 to 5 ms of Python per request on
the shared cores — as much as the queries themselves. This module writes the same
statements directly: one WHERE clause, reused by the page, the capped count and the
count estimate. It mirrors, filter by filter, the querysets the ORM path uses
(``BusinessFilterSet.filter_queryset`` and ``geo_directory.businesses.managers``);
``tests/api/test_listing_sql.py`` checks that both give the same rows in the same
order for every filter, alone and combined, the text search (``q``) included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection

from geo_directory.businesses.hours import minute_of_week
from geo_directory.businesses.managers import L93, l93_envelope, l93_transformer
from geo_directory.businesses.models import Business
from geo_directory.businesses.search import TSVECTOR_SQL, name_tsquery

from . import filters, reference

# Every cleaned parameter this module knows how to turn into SQL.
SUPPORTED = {
    "point",
    "dist",
    "in_bbox",
    "commune",
    "departement",
    "category",
    "open_now",
    "open_at",
    "service",
    "q",
}

SERVICE_COLUMNS = {"pickup": "offers_pickup", "delivery": "offers_delivery"}


@lru_cache(maxsize=1)
def _spheroid() -> str:
    """The spheroid of the listings' SRID, as the ORM's Distance(spheroid=True) sends it."""
    return Business._meta.get_field("location").spheroid(connection)


def _open_condition(when: dt.datetime, params: list) -> str:
    """BusinessQuerySet.open_condition(when) as SQL (exact windows, else the week)."""
    params += [when, when, when, minute_of_week(when)]
    return (
        "((b.hours_windows @> (%s)::timestamptz AND b.hours_windows_until > %s)"
        " OR ((b.hours_windows_until IS NULL OR b.hours_windows_until <= %s)"
        " AND b.hours_week @> (%s)::int4))"
    )


@dataclass
class Listing:
    """The WHERE clause and ordering of one request, and how to run its statements."""

    where: str
    params: list
    order: str
    order_params: list
    knn_select: str = ""  # distance_m column and its params, with point=
    knn_params: list | None = None

    def page(
        self, now: dt.datetime, offset: int, limit: int, columns: tuple[str, ...]
    ) -> list[dict]:
        """Rows of ``columns`` (views.LIST_FIELDS or DETAIL_FIELDS) and the computed
        open_now, takes_orders, lon, lat (and distance_m with a point), as feature() reads
        them."""
        params: list = []
        open_now = _open_condition(now, params)
        params.append(now)
        select = (
            ", ".join(f"b.{name}" for name in columns) + f", {open_now} AS open_now,"
            " EXISTS(SELECT 1 FROM orders_campaign c WHERE c.business_id = b.id"
            " AND c.active AND c.cutoff_at > %s) AS takes_orders,"
            " ST_X(b.location) AS lon, ST_Y(b.location) AS lat"
        )
        names = [*columns, "open_now", "takes_orders", "lon", "lat"]
        if self.knn_select:
            select += f", {self.knn_select} AS distance_m"
            params += self.knn_params
            names.append("distance_m")
        sql = (
            f"SELECT {select} FROM businesses_business b WHERE {self.where}"
            f" ORDER BY {self.order} LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *self.params, *self.order_params, limit, offset])
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def count(self, cap: int) -> tuple[int, bool]:
        """(count, exact): exact up to ``cap`` rows, else the planner's estimate; both
        in one round trip (``api_capped_count``, migration api/0004)."""
        ids = f"SELECT b.id FROM businesses_business b WHERE {self.where}"
        query = connection.ops.compose_sql(ids, self.params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT n, exact FROM api_capped_count(%s, %s)", [query, cap])
            count, exact = cursor.fetchone()
        return count, exact


PUBLISHED = "b.merged_into_id IS NULL AND b.status = 'published'"


def published_by_id(pk: int) -> Listing:
    """One published listing (the detail endpoint)."""
    return Listing(f"{PUBLISHED} AND b.id = %s", [pk], "b.id", [])


RELEVANCE = "word_similarity(immutable_unaccent(lower(%s)), immutable_unaccent(lower(b.name)))"


@dataclass
class RankedListing:
    """A name search's matches, already ranked: its pages and count read ``ranked``."""

    ranked: list[int]  # ids, best relevance first, then by id

    def page(self, now, offset, limit, columns):
        ids = self.ranked[offset : offset + limit]
        page = Listing(
            "b.id = ANY(%s::bigint[])", [ids], "array_position(%s::bigint[], b.id)", [ids]
        )
        return page.page(now, 0, limit, columns)

    def count(self, cap: int) -> tuple[int, bool]:
        # As counted() on the ranked ids: exact up to the cap, else the estimate of
        # ``id = ANY(ids)`` (one row per id).
        return len(self.ranked), len(self.ranked) <= cap


def _by_relevance(where: str, params: list, text: str) -> RankedListing:
    """BusinessQuerySet.by_relevance: the first filters.RANKED_AT_MOST matches, best word
    similarity to ``text`` first, then by id. Their relevance is read in the same pass as
    their ids (one heap visit each), ranked here; the page then reads its rows by id."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.id, {RELEVANCE} FROM businesses_business b WHERE {where} LIMIT %s",
            [text, *params, filters.RANKED_AT_MOST],
        )
        scored = cursor.fetchall()
    scored.sort(key=lambda row: (-row[1], row[0]))
    return RankedListing([pk for pk, _ in scored])


def _l93(lon: float, lat: float) -> tuple[float, float]:
    return l93_transformer().transform(lon, lat)


def _order_by(data: dict, used: set[str]) -> str:
    """What orders the answer, as BusinessFilterSet.filter_queryset decides it."""
    if data.get("point") is not None:
        return "distance"
    if "q" in used:
        return "relevance"
    if used & {"commune", "departement"}:
        return "commune"
    return "screen centre" if "in_bbox" in used else "id"


def build(data: dict, now: dt.datetime) -> Listing | RankedListing | None:
    """The Listing of these cleaned filter values; None when one needs the ORM path."""
    used = {name for name, value in data.items() if value not in (None, "", [], ())}
    if not used <= SUPPORTED:
        return None
    sort = _order_by(data, used)
    where = [PUBLISHED]
    params: list = []
    if "in_bbox" in used:
        # Centre first (below), the exact test goes through lonlat_in_box().
        where.append("lonlat_in_box(b.location, %s, %s, %s, %s)")
        params += list(data["in_bbox"])
        if sort != "screen centre":  # BusinessQuerySet.in_bbox: the index of location_l93
            where.append(f"b.location_l93 && ST_MakeEnvelope(%s, %s, %s, %s, {L93})")
            params += list(l93_envelope(*data["in_bbox"]))
    if "commune" in used:
        where.append("b.commune_id = %s")
        params.append(data["commune"])
    if "departement" in used:
        span = reference.get().departement_range(data["departement"])
        if span is None:
            where.append(
                "b.commune_id IN (SELECT code FROM territory_commune WHERE departement_id = %s)"
            )
            params.append(data["departement"])
        else:
            where.append("b.commune_id >= %s AND b.commune_id <= %s")
            params += list(span)
    if "category" in used:
        where.append("b.category_id = ANY(%s)")
        params.append(reference.get().descendants(data["category"]))
    if "open_now" in used:
        condition = _open_condition(now, params)
        # exclude(): rows whose condition is false *or unknown* (no hours at all).
        where.append(condition if data["open_now"] else f"({condition}) IS NOT TRUE")
    if "open_at" in used:
        where.append(_open_condition(data["open_at"], params))
    if "service" in used:
        where.append(f"b.{SERVICE_COLUMNS[data['service']]}")
    if "q" in used:  # BusinessQuerySet.matching: corrected words, full-text index
        tsquery = name_tsquery(data["q"])
        if tsquery is None:
            where.append("false")
        else:
            where.append(f"{TSVECTOR_SQL.format('b.name')} @@ %s::tsquery")
            params.append(tsquery)
    order_params: list = []
    knn_select, knn_params = "", None
    point = data.get("point")
    if sort == "distance":
        x, y = _l93(point.x, point.y)
        here = f"ST_SetSRID(ST_MakePoint(%s, %s), {L93})"
        if data.get("dist") is not None:
            where.append(f"ST_DWithin(b.location_l93, {here}, %s)")
            params += [x, y, data["dist"]]
        order, order_params = f"(b.location_l93 <-> {here})", [x, y]
        knn_select = "ST_DistanceSpheroid(b.location, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s)"
        knn_params = [point.x, point.y, _spheroid()]
    elif sort == "relevance":
        return _by_relevance(" AND ".join(where), params, data["q"])
    elif sort == "commune":
        order = "b.commune_id, b.id"
    elif sort == "screen centre":
        # BusinessQuerySet.centre_first_in_bbox: the Lambert-93 envelope of the box bounds
        # a KNN scan from its centre.
        min_lon, min_lat, max_lon, max_lat = data["in_bbox"]
        where.append(f"b.location_l93 && ST_MakeEnvelope(%s, %s, %s, %s, {L93})")
        params += list(l93_envelope(*data["in_bbox"]))
        cx, cy = _l93((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)
        order = f"(b.location_l93 <-> ST_SetSRID(ST_MakePoint(%s, %s), {L93}))"
        order_params = [cx, cy]
    else:
        order = "b.id"
    return Listing(" AND ".join(where), params, order, order_params, knn_select, knn_params)
