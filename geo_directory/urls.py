from django.contrib import admin
from django.urls import include, path

from geo_directory.orders.api import delivers_to

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/delivers-to/", delivers_to, name="api-delivers-to"),
    path("api/v1/", include("geo_directory.api.urls")),
    path("", include("geo_directory.orders.urls")),
    path("", include("maps.urls")),
]
