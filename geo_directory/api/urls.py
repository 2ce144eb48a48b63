from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import category_counts, views

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("businesses/", views.BusinessListView.as_view(), name="business-list"),
    path("businesses/<int:pk>/", views.BusinessDetailView.as_view(), name="business-detail"),
    path("communes/", views.CommuneSearchView.as_view(), name="commune-search"),
    path("communes/<str:insee>/", views.CommuneDetailView.as_view(), name="commune-detail"),
    path(
        "communes/<str:insee>/businesses/",
        views.CommuneBusinessesView.as_view(),
        name="commune-businesses",
    ),
    path("categories/", views.CategoryTreeView.as_view(), name="category-tree"),
    path(
        "categories/counts/", category_counts.CategoryCountsView.as_view(), name="category-counts"
    ),
    path("clusters/", views.ClusterView.as_view(), name="clusters"),
    path("suggest/", views.SuggestView.as_view(), name="suggest"),
]
