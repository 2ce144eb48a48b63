from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "geo_directory.opendata"
    verbose_name = "données ouvertes"
