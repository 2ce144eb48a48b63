"""Spatial and text queries on listings, each named for what it answers.

Every geographic filter here is served by a GiST index: nearest-first ordering uses the
KNN operator ``<->`` on ``location_l93`` (metres, Lambert-93), radius checks use
``ST_DWithin`` on the same column, viewport checks ``&&`` on ``location``.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.db import models
from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.db.models import F, FloatField, Func, Q, Value

L93 = 2154


def to_l93(point: Point) -> Point:
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    return point.transform(L93, clone=True)


class KnnDistance(Func):
    """``a <-> b``: the distance the GiST index can order by (nearest-first)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


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
        box = Polygon.from_bbox((min_lon, min_lat, max_lon, max_lat))
        box.srid = 4326
        return self.filter(location__bboverlaps=box)

    def within_commune(self, code: str):
        return self.filter(commune_id=code)

    def in_departement(self, code: str):
        return self.filter(commune__departement_id=code)

    def in_categories(self, slugs: list[str]):
        """Listings in these categories or any of their sub-categories."""
        from .models import Category

        return self.filter(category_id__in=Category.objects.with_descendants(slugs))

    def open_at(self, when: dt.datetime):
        """Open at ``when``: exact windows where stored and still valid, else the week."""
        from .hours import minute_of_week

        exact = Q(hours_windows_until__gt=when, hours_windows__contains_element=when)
        regular = (Q(hours_windows_until__isnull=True) | Q(hours_windows_until__lte=when)) & Q(
            hours_week__contains_element=minute_of_week(when)
        )
        return self.filter(exact | regular)

    def offering(self, service: str):
        field = {"pickup": "offers_pickup", "delivery": "offers_delivery"}[service]
        return self.filter(**{field: True})

    def delivering_to(self, point: Point):
        """Listings whose delivery zone covers ``point`` (GiST on delivery_zone)."""
        return self.filter(offers_delivery=True, delivery_zone__intersects=point)
