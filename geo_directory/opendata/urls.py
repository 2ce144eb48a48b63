"""Mounted under ``/api/``: the OGC API – Features service and the downloads."""

from django.urls import path, re_path

from . import downloads, ogc

app_name = "opendata"

urlpatterns = [
    # The landing page with or without its trailing slash: clients append "/collections".
    re_path(r"^features/?$", ogc.landing, name="landing"),
    path("features/conformance", ogc.conformance, name="conformance"),
    path("features/api", ogc.api_definition, name="openapi"),
    path("features/collections", ogc.collections, name="collections"),
    path("features/collections/<str:collection>", ogc.collection, name="collection"),
    path("features/collections/<str:collection>/schema", ogc.schema, name="schema"),
    path("features/collections/<str:collection>/items", ogc.items, name="items"),
    path("features/collections/<str:collection>/items/<str:feature_id>", ogc.item, name="item"),
    path("telechargement/", downloads.metadata, name="downloads"),
    path("telechargement/commerces.geojson", downloads.geojson, name="geojson"),
    path("telechargement/commerces.csv", downloads.csv_file, name="csv"),
]
