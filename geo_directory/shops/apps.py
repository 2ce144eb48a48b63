from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "geo_directory.shops"
    verbose_name = "pages des commerces"
