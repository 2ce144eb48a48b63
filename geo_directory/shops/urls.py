from django.urls import path

from . import sitemaps, views

app_name = "shops"
urlpatterns = [
    path("commerces/<int:pk>-<str:slug>/", views.shop, name="shop"),
    # Without the slug (or with a wrong one): a permanent redirect to the canonical path.
    path("commerces/<int:pk>/", views.shop, name="shop_by_id"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-communes.xml", sitemaps.communes, name="sitemap_communes"),
    path("sitemap-commerces-<int:number>.xml", sitemaps.shops, name="sitemap_shops"),
]
