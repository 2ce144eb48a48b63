from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "geo_directory.territory"
    label = "territory"
    verbose_name = "Territoire"
