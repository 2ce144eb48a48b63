from django.urls import path

from . import views

app_name = "geocoding"
urlpatterns = [
    path("", views.search, name="search"),
    path("inverse/", views.reverse, name="reverse"),
]
