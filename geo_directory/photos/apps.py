from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "geo_directory.photos"
    label = "photos"
    verbose_name = "photos des commerces"
