from django.apps import AppConfig


class BusinessesConfig(AppConfig):
    name = "geo_directory.businesses"
    label = "businesses"
    verbose_name = "Commerces"
