from django.conf import settings
from django.urls import path, re_path

from . import views

app_name = "photos"
urlpatterns = [
    path("espace/commerces/<int:business_id>/photos/", views.manage, name="manage"),
    path(
        "espace/commerces/<int:business_id>/photos/<int:photo_id>/deplacer/",
        views.move,
        name="move",
    ),
    path(
        "espace/commerces/<int:business_id>/photos/<int:photo_id>/description/",
        views.describe,
        name="describe",
    ),
    path(
        "espace/commerces/<int:business_id>/photos/<int:photo_id>/supprimer/",
        views.delete,
        name="delete",
    ),
]

# The local media folder for `make run` and the tests, when MEDIA_URL is a local path
# (an S3 store or a CDN has an absolute URL, and serves its files itself).
if settings.MEDIA_URL.startswith("/") and not settings.MEDIA_URL.startswith("//"):
    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", views.media, name="media")
    )
