from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import Func, Value
from django.db.models.functions import Lower

from .managers import CommuneQuerySet


class Region(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    boundary = models.MultiPolygonField(srid=4326, null=True, blank=True)

    class Meta:
        verbose_name = "région"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Departement(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    """A current commune (COG ``commune-actuelle``), keyed by its INSEE code."""

    code = models.CharField("code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=100)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    postcodes = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    boundary = models.MultiPolygonField(srid=4326, null=True, blank=True)
    # Label point: always inside the commune (ST_PointOnSurface), unlike a centroid.
    centre = models.PointField(srid=4326, null=True, blank=True)
    # The name as the autocomplete compares it (lower case, no accents, every run of
    # non-alphanumerics as one space), computed once per write instead of per keystroke
    # for every commune; trigram-indexed (migration 0004_commune_search_name).
    search_name = models.GeneratedField(
        expression=Func(
            Func(Lower("name"), function="immutable_unaccent"),
            Value("[^a-z0-9]+"),
            Value(" "),
            Value("g"),
            function="regexp_replace",
            output_field=models.TextField(),
        ),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["postcodes"], name="commune_postcodes_gin"),
            GinIndex(
                fields=["search_name"], name="commune_search_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class CommuneArea(models.Model):
    """A sub-area of a commune: Marseille's 16 municipal arrondissements (132xx).

    Kept for display and postcode search; points always resolve to the parent commune.
    """

    code = models.CharField(max_length=5, primary_key=True)
    name = models.CharField(max_length=100)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="areas")
    postcodes = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "arrondissement municipal"
        verbose_name_plural = "arrondissements municipaux"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Neighbour(models.Model):
    """A land territory bordering the region: a point inside it is outside the region,
    however near a commune (see ``neighbours.py`` for how each is built).

    The four French départements on the region's land border (their INSEE code), Monaco
    (``MC``) and Italy (``IT``, only near the border). Loaded by the territory import.
    """

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    boundary = models.MultiPolygonField(srid=4326)

    class Meta:
        verbose_name = "territoire voisin"
        verbose_name_plural = "territoires voisins"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"
