"""The site's URLs plus views that fail on purpose, for tests/hardening/test_error_pages.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

# The error handlers come with the site's URLs (Django reads them from ROOT_URLCONF).
from geo_directory.urls import handler400, handler403, handler404, handler500  # noqa: F401
from geo_directory.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied("no")


def suspicious(request):
    raise SuspiciousOperation("odd")


urlpatterns = [
    path("test-erreur/500/", boom),
    path("test-erreur/403/", forbidden),
    path("test-erreur/400/", suspicious),
    path("api/v1/test-erreur/500/", boom),
    *site_urlpatterns,
]
