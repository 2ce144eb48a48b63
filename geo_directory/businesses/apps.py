from django.apps import AppConfig


class BusinessesConfig(AppConfig):
    name = "geo_directory.businesses"
    label = "businesses"
    verbose_name = "Commerces"

    def ready(self):
        from . import counts
        from .signals import listings_bulk_changed

        listings_bulk_changed.connect(counts.fold_after_bulk, dispatch_uid="businesses.counts.fold")
