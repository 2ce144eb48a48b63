from django.apps import AppConfig


class GeocodingConfig(AppConfig):
    name = "geo_directory.geocoding"
    label = "geocoding"
    verbose_name = "Géocodage"
