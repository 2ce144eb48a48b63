from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "geo_directory.api"
    label = "api"
