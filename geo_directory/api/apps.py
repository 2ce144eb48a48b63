from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "geo_directory.api"
    label = "api"

    def ready(self):
        from geo_directory.businesses.signals import listings_bulk_changed

        listings_bulk_changed.connect(_refresh_clusters, dispatch_uid="api.clusters.refresh")
        # The workers' cached API answers (caching.ResponseCacheMiddleware) go stale with
        # any change of what they show.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from geo_directory import caching

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(caching.bump_on_model_change, dispatch_uid="api.response-cache")
        listings_bulk_changed.connect(caching.bump_generation, dispatch_uid="api.response-cache")


def _refresh_clusters(sender, **kwargs) -> str:
    """The zoomed-out map of a big directory reads pre-aggregated cluster cells: after a
    bulk change of the listings they are recomputed."""
    from . import clusters

    seconds = f"{clusters.refresh():.1f}".replace(".", ",")
    return f"regroupements de la carte recalculés en {seconds} s"
