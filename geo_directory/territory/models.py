from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex

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

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [GinIndex(fields=["postcodes"], name="commune_postcodes_gin")]

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
