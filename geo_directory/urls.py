from django.contrib import admin
from django.urls import include, path

from geo_directory.ratelimits import ratelimit

urlpatterns = [
    # The admin's login form counts against the same limits as the merchants' one.
    path("admin/login/", ratelimit("login")(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/delivers-to/", include("geo_directory.orders.api")),
    path("api/v1/", include("geo_directory.api.urls")),
    path("api/", include("geo_directory.opendata.urls")),
    path("geocodage/", include("geo_directory.geocoding.urls")),
    path("", include("geo_directory.accounts.urls")),
    path("", include("geo_directory.orders.urls")),
    path("", include("geo_directory.photos.urls")),
    path("", include("geo_directory.shops.urls")),
    path("", include("maps.urls")),
]

# French pages in the site's look, JSON under /api/ (geo_directory/errors.py).
handler400 = "geo_directory.errors.bad_request"
handler403 = "geo_directory.errors.permission_denied"
handler404 = "geo_directory.errors.page_not_found"
handler500 = "geo_directory.errors.server_error"
