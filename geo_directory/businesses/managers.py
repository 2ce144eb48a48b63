"""Spatial and text queries on listings, each named for what it answers.

Every geographic filter here is served by a GiST index: nearest-first ordering uses the
KNN operator ``<->`` on ``location_l93`` (metres, Lambert-93), radius checks use
``ST_DWithin`` on the same column, viewport checks ``&&`` on it too (the viewport's
Lambert-93 envelope, then the exact lon/lat test).
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import NamedTuple

from django.contrib.gis.db import models
from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    Value,
)
from django.dispatch import receiver
from pyproj import Transformer

L93 = 2154


_local = threading.local()

# A query word is corrected to a name's word (``word %> query_word``, search.py) when
# word_similarity(query_word, word) reaches this: 0.5 finds "pâtissière" in
# "pâtisserie" (0.55) and "Boulagerie" in "Boulangerie" (0.64), where PostgreSQL's
# default of 0.6 misses the first. Set on every connection.
WORD_SIMILARITY_THRESHOLD = 0.5


@receiver(connection_created)
def _set_trigram_threshold(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(WORD_SIMILARITY_THRESHOLD)],
            )


def l93_transformer() -> Transformer:
    """WGS84 → Lambert-93, built once per thread.

    ``GEOSGeometry.transform(2154)`` builds its GDAL transformation from the PROJ
    database on every call (tens of milliseconds): far more than the query it prepares.
    """
    transformer = getattr(_local, "to_l93", None)
    if transformer is None:
        transformer = _local.to_l93 = Transformer.from_crs(4326, L93, always_xy=True)
    return transformer


def l93_envelope(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in Lambert-93 of a lon/lat box: a superset of it.

    From its corners and edge midpoints: the box's edges bend a little in Lambert-93.
    """
    lons = [min_lon, (min_lon + max_lon) / 2, max_lon]
    lats = [min_lat, (min_lat + max_lat) / 2, max_lat]
    xs, ys = l93_transformer().transform(
        [lon for lon in lons for _ in lats], [lat for _ in lons for lat in lats]
    )
    return min(xs), min(ys), max(xs), max(ys)


def to_l93(point: Point) -> Point:
    if point.srid not in (None, 4326):
        point = point.transform(4326, clone=True)
    x, y = l93_transformer().transform(point.x, point.y)
    return Point(x, y, srid=L93)


class KnnDistance(Func):
    """``a <-> b``: the distance the GiST index can order by (nearest-first)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


class LonLatInBox(Func):
    """``lonlat_in_box(point, min_lon, min_lat, max_lon, max_lat)`` (api migration 0003)."""

    function = "lonlat_in_box"
    output_field = BooleanField()
    conditional = True


class UnaccentLower(Func):
    """``immutable_unaccent(lower(x))``: names and queries compared without accents or case."""

    template = "immutable_unaccent(lower(%(expressions)s))"
    output_field = models.TextField()


class AnyOf(Func):
    """``field = ANY(%s)``: one array parameter, however many values (none: false)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field, values: list[int]):
        super().__init__(field)
        self.values = [int(v) for v in values]

    def as_sql(self, compiler, connection, **extra_context):
        field_sql, params = compiler.compile(self.source_expressions[0])
        return f"({field_sql} = ANY(%s::bigint[]))", (*params, self.values)


class WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


def relevance_to(text: str) -> WordSimilarity:
    """How well a name matches ``text``: word similarity, accents and case ignored."""
    whole = UnaccentLower(Value(text, output_field=models.TextField()))
    return WordSimilarity(whole, UnaccentLower(F("name")))


class CategoryManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def with_descendants(self, slugs: list[str]) -> list[int]:
        """Ids of these categories and of every category below them."""
        ids = set(self.filter(slug__in=slugs).values_list("id", flat=True))
        frontier = set(ids)
        while frontier:
            frontier = set(self.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
            ids |= frontier
        return sorted(ids)


class BusinessQuerySet(models.QuerySet):
    def published(self):
        """Listed: published, and not a duplicate linked to another listing (merged_into)."""
        return self.filter(status="published", merged_into__isnull=True)

    def nearest_to(self, point: Point):
        """Nearest first (KNN on the index), with ``distance_m`` on the spheroid."""
        return self.annotate(
            knn=KnnDistance(
                F("location_l93"), Value(to_l93(point), output_field=PointField(srid=L93))
            ),
            distance_m=Distance("location", point, spheroid=True),
        ).order_by("knn")

    def within_radius(self, point: Point, metres: float):
        return self.filter(location_l93__dwithin=(to_l93(point), metres))

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float):
        """In the lon/lat box, on the GiST index of ``location_l93`` (``location`` has none).

        The box's Lambert-93 envelope (a superset) is the indexed condition; the exact
        test goes through lonlat_in_box() (api migration 0003), not ``location && box``:
        the planner would take the two boxes for independent and expect a single row.
        """
        envelope = Polygon.from_bbox(l93_envelope(min_lon, min_lat, max_lon, max_lat))
        envelope.srid = L93
        return self.filter(
            LonLatInBox(
                F("location"), *(Value(float(v)) for v in (min_lon, min_lat, max_lon, max_lat))
            ),
            location_l93__bboverlaps=envelope,
        )

    def centre_first_in_bbox(self, min_lon, min_lat, max_lon, max_lat):
        """In the box, from its centre outwards: one GiST scan, however big the box.

        The Lambert-93 envelope of the box (a superset) bounds the KNN scan on
        ``location_l93``, so a box with few listings never walks the whole index, and a
        box with many stops after the first page.
        """
        return self.in_bbox(min_lon, min_lat, max_lon, max_lat).centre_first(
            min_lon, min_lat, max_lon, max_lat
        )

    def centre_first(self, min_lon, min_lat, max_lon, max_lat):
        """Ordered from the box's centre outwards, for a queryset already ``in_bbox``
        (the same condition twice would make the planner expect a single row)."""
        centre = Point((min_lon + max_lon) / 2, (min_lat + max_lat) / 2, srid=4326)
        # Nearest first only: a tie-breaker (id) would make PostgreSQL sort every row.
        return self.annotate(
            knn=KnnDistance(
                F("location_l93"), Value(to_l93(centre), output_field=PointField(srid=L93))
            )
        ).order_by("knn")

    def within_commune(self, code: str):
        return self.filter(commune_id=code)

    def in_departement(self, code: str):
        return self.filter(commune__departement_id=code)

    def by_commune(self):
        """Ordered by (commune, id): the partial index business_published_commune_id."""
        return self.order_by("commune_id", "id")

    def in_categories(self, slugs: list[str]):
        """Listings in these categories or any of their sub-categories."""
        from .models import Category

        return self.filter(category_id__in=Category.objects.with_descendants(slugs))

    @staticmethod
    def open_condition(when: dt.datetime) -> Q:
        """Open at ``when``: exact windows where stored and still valid, else the week."""
        from .hours import minute_of_week

        exact = Q(hours_windows_until__gt=when, hours_windows__contains_element=when)
        regular = (Q(hours_windows_until__isnull=True) | Q(hours_windows_until__lte=when)) & Q(
            hours_week__contains_element=minute_of_week(when)
        )
        return exact | regular

    def open_at(self, when: dt.datetime):
        return self.filter(self.open_condition(when))

    def with_open_flag(self, when: dt.datetime, name: str = "open_now"):
        """Annotate ``name``: open at ``when`` (NULL, i.e. false, without hours)."""
        return self.annotate(
            **{name: ExpressionWrapper(self.open_condition(when), output_field=BooleanField())}
        )

    def matching(self, text: str):
        """Fuzzy name search forgiving accents, case and small typos, best match first.

        Every word of ``text`` (of 3 characters or more; the whole text if none) must be
        one of the names' real words closest to it (word similarity of at least
        WORD_SIMILARITY_THRESHOLD, after unaccent and lower): corrected through the
        dictionary of the names' words, then found with the full-text GIN index
        ``business_name_tsv`` (see ``search.py``). ``relevance`` is the word similarity
        (0..1) of the whole text to the name. Runs one small query (the correction) now.
        """
        from .search import NameTsvector, TsMatch, name_tsquery

        tsquery = name_tsquery(text)
        if tsquery is None:  # WHERE false, not none(): raw SQL is built from it (clusters)
            nothing = self.filter(Value(False, output_field=BooleanField()))
            return nothing.annotate(relevance=relevance_to(text))
        found = self.filter(
            TsMatch(NameTsvector(F("name")), Value(tsquery, output_field=models.TextField()))
        )
        return found.annotate(relevance=relevance_to(text))

    def by_relevance(self, text: str, at_most: int):
        """These listings (``matching(text)`` and any filter), best ``relevance`` first,
        then by id, ranking at most ``at_most`` of them. Runs one query (their ids) now.

        A common word alone (« boulangerie »: tens of thousands of listings) would
        otherwise have the relevance of every match computed and sorted (a heap fetch, an
        unaccent and a word similarity each: 350 ms at 27,000 matches). Only the first
        ``at_most`` matches the index finds are ranked; when fewer match, the order is
        exact. A broad query's pages show the best of those (a name having the query's
        word exactly ranks 1.0, the most there is). The ids are fetched once: the page
        and its count then read those rows by primary key, without searching again.
        """
        ids = list(self.order_by().values_list("pk", flat=True)[:at_most])
        found = self.model._default_manager.filter(AnyOf(F("pk"), ids))
        return found.annotate(relevance=relevance_to(text)).order_by("-relevance", "id")

    def offering(self, service: str):
        field = {"pickup": "offers_pickup", "delivery": "offers_delivery"}[service]
        return self.filter(**{field: True})

    def delivering_to(self, point: Point):
        """Listings whose delivery zone covers ``point`` (GiST on delivery_zone)."""
        return self.filter(offers_delivery=True, delivery_zone__intersects=point)

    def grid_clusters(self, cell_m: float) -> list[tuple[int, float, float, int]]:
        """These listings grouped on a square grid of ``cell_m`` metres (Lambert-93).

        One row per non-empty cell: ``(count, lon, lat, smallest id)``, the centre being
        the mean position of the cell's listings. The filters of this queryset (and their
        indexes) select the rows; the grouping is one pass over them.
        """
        inner, params = self.order_by().values("id", "location_l93").query.sql_with_params()
        sql = f"""
            SELECT n, ST_X(c), ST_Y(c), min_id FROM (
                SELECT count(*) AS n, min(id) AS min_id,
                       ST_Transform(ST_SetSRID(ST_MakePoint(avg(ST_X(location_l93)),
                                                            avg(ST_Y(location_l93))), {L93}),
                                    4326) AS c
                  FROM ({inner}) AS listings
                 WHERE location_l93 IS NOT NULL
                 GROUP BY floor(ST_X(location_l93) / %s), floor(ST_Y(location_l93) / %s)
            ) AS cells"""
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, float(cell_m), float(cell_m)))
            return cursor.fetchall()

    def likely_duplicates(
        self, distance_m: float = 50, min_similarity: float = 0.4, limit: int = 500
    ) -> list[DuplicatePair]:
        """Pairs of live listings that are probably the same place, most similar first.

        Either within ``distance_m`` metres of each other (ST_DWithin on the indexed
        Lambert-93 point) with names whose trigram similarity (pg_trgm, on unaccented
        lower-case names) exceeds ``min_similarity``, or sharing a SIREN (the first nine
        digits of the SIRET: the same company) within that distance. The SIRET column is
        unique, so the same SIRET twice is refused at save time rather than listed here.
        At least one side of each pair is in this queryset; merged and closed listings
        are left out.
        """
        from django.db import connection

        ids_sql, ids_params = self.values("id").query.sql_with_params()
        name = "immutable_unaccent(lower({}.name))"
        sql = f"""
            SELECT a.id, b.id, ST_Distance(a.location_l93, b.location_l93) AS distance_m,
                   similarity({name.format("a")}, {name.format("b")}) AS name_similarity,
                   (left(a.siret, 9) = left(b.siret, 9)) AS same_siren
              FROM businesses_business a
              JOIN businesses_business b
                ON b.id > a.id
               AND ST_DWithin(a.location_l93, b.location_l93, %s)
             WHERE a.merged_into_id IS NULL AND b.merged_into_id IS NULL
               AND a.status <> 'closed' AND b.status <> 'closed'
               AND (a.id IN ({ids_sql}) OR b.id IN ({ids_sql}))
               AND (similarity({name.format("a")}, {name.format("b")}) > %s
                    OR left(a.siret, 9) = left(b.siret, 9))
             ORDER BY name_similarity DESC, distance_m
             LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [distance_m, *ids_params, *ids_params, min_similarity, limit])
            return [
                DuplicatePair(a, b, round(dist, 1), round(sim, 3), bool(siren))
                for a, b, dist, sim, siren in cursor.fetchall()
            ]


class DuplicatePair(NamedTuple):
    a_id: int
    b_id: int
    distance_m: float
    name_similarity: float
    same_siren: bool
