"""Spatial and text querysets on listings, for the pages, the merchants' space and the
admin. The API's listing endpoints do not use them: their SQL is ``api/queries.py``.

Every geographic filter here is served by a GiST index: nearest-first ordering uses the
KNN operator ``<->`` on ``location_l93`` (metres, Lambert-93), radius checks use
``ST_DWithin`` on the same column, viewport checks ``&&`` on it too (the viewport's
Lambert-93 envelope, then the exact lon/lat test).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import BooleanField, F, Func, Q, Value

from geo_directory.postgis.l93 import L93, envelope, to_l93


def _l93_point(point: Point) -> Point:
    if point.srid not in (None, 4326):
        point = point.transform(4326, clone=True)
    return Point(*to_l93(point.x, point.y), srid=L93)


class LonLatInBox(Func):
    """``lonlat_in_box(point, min_lon, min_lat, max_lon, max_lat)`` (api migration 0003)."""

    function = "lonlat_in_box"
    output_field = BooleanField()
    conditional = True


class UnaccentLower(Func):
    """``immutable_unaccent(lower(x))``: names and queries compared without accents or case."""

    template = "immutable_unaccent(lower(%(expressions)s))"
    output_field = models.TextField()


def relevance_to(text: str) -> TrigramWordSimilarity:
    """How well a name matches ``text``: word similarity, accents and case ignored."""
    whole = UnaccentLower(Value(text, output_field=models.TextField()))
    return TrigramWordSimilarity(whole, UnaccentLower(F("name")))


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
            knn=GeometryDistance(F("location_l93"), _l93_point(point)),
            distance_m=Distance("location", point, spheroid=True),
        ).order_by("knn")

    def in_bbox(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float):
        """In the lon/lat box, on the GiST index of ``location_l93`` (``location`` has none).

        The box's Lambert-93 envelope (a superset) is the indexed condition; the exact
        test goes through lonlat_in_box() (api migration 0003), not ``location && box``:
        the planner would take the two boxes for independent and expect a single row.
        """
        box = Polygon.from_bbox(envelope(min_lon, min_lat, max_lon, max_lat))
        box.srid = L93
        return self.filter(
            LonLatInBox(
                F("location"), *(Value(float(v)) for v in (min_lon, min_lat, max_lon, max_lat))
            ),
            location_l93__bboverlaps=box,
        )

    def centre_first_in_bbox(self, min_lon, min_lat, max_lon, max_lat):
        """In the box, from its centre outwards: one GiST scan, however big the box.

        The Lambert-93 envelope of the box (a superset) bounds the KNN scan on
        ``location_l93``, so a box with few listings never walks the whole index, and a
        box with many stops after the first page.
        """
        centre = Point((min_lon + max_lon) / 2, (min_lat + max_lat) / 2, srid=4326)
        # Nearest first only: a tie-breaker (id) would make PostgreSQL sort every row.
        return (
            self.in_bbox(min_lon, min_lat, max_lon, max_lat)
            .annotate(knn=GeometryDistance(F("location_l93"), _l93_point(centre)))
            .order_by("knn")
        )

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

    def matching(self, text: str):
        """Fuzzy name search forgiving accents, case and small typos, best match first.

        Every word of ``text`` (of 3 characters or more; the whole text if none) must be
        one of the names' real words closest to it (word similarity of at least
        ``pg_trgm.word_similarity_threshold``, postgis/base.py, after unaccent and lower):
        corrected through the dictionary of the names' words, then found with the full-text
        GIN index ``business_name_tsv`` (see ``search.py``). ``relevance`` is the word similarity
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

    def delivering_to(self, point: Point):
        """Listings whose delivery zone covers ``point`` (GiST on delivery_zone)."""
        return self.filter(offers_delivery=True, delivery_zone__intersects=point)

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
