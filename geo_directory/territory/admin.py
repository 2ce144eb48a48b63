from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.forms import OSMWidget

from .models import Commune, CommuneArea, Departement, Neighbour, Region


class LocalOSMWidget(OSMWidget):
    """Django's OSM map widget with OpenLayers from our static files, never a CDN."""

    class Media:
        extend = False
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js")


class LocalGISModelAdmin(GISModelAdmin):
    gis_widget = LocalOSMWidget


@admin.register(Region)
class RegionAdmin(LocalGISModelAdmin):
    list_display = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]


@admin.register(Commune)
class CommuneAdmin(LocalGISModelAdmin):
    list_display = ["code", "name", "departement", "population"]
    list_filter = ["departement"]
    search_fields = ["code", "name", "postcodes"]
    ordering = ["name"]


@admin.register(CommuneArea)
class CommuneAreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "commune"]
    search_fields = ["code", "name"]


@admin.register(Neighbour)
class NeighbourAdmin(LocalGISModelAdmin):
    list_display = ["code", "name"]
