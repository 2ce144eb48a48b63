from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "geo_directory.api"
    label = "api"

    def ready(self):
        from geo_directory.businesses.signals import listings_bulk_changed

        listings_bulk_changed.connect(_refresh_clusters, dispatch_uid="api.clusters.refresh")


def _refresh_clusters(sender, **kwargs) -> str:
    """The zoomed-out map of a big directory reads pre-aggregated cluster cells: after a
    bulk change of the listings they are recomputed."""
    from . import clusters

    return f"map clusters refreshed in {clusters.refresh():.1f} s"
