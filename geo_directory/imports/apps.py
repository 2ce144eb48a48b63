from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "geo_directory.imports"
    verbose_name = "imports"
