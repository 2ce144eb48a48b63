from django.urls import path

from . import merchant_views, views

app_name = "orders"
urlpatterns = [
    path("commerces/<int:business_id>/commander/", views.catalogue, name="catalogue"),
    path("commerces/<int:business_id>/panier/", views.cart_view, name="cart"),
    path("commerces/<int:business_id>/commande/", views.checkout, name="checkout"),
    path(
        "commerces/<int:business_id>/commande/livraison/",
        views.delivery_check,
        name="delivery_check",
    ),
    path("commandes/<str:number>/", views.order_detail, name="order_detail"),
    path("commandes/<str:number>/annuler/", views.order_cancel, name="order_cancel"),
    path("mes-commandes/", views.my_orders, name="my_orders"),
    path("mes-commandes/acces/<str:token>/", views.guest_access_link, name="guest_access"),
    path("livraison/", views.delivery_finder, name="delivery_finder"),
    path("commercant/commandes/", views.merchant_home, name="merchant_home"),
    path(
        "commercant/commerces/<int:business_id>/commandes/",
        views.merchant_dashboard,
        name="merchant_dashboard",
    ),
    path(
        "commercant/commandes/<str:number>/statut/",
        views.merchant_set_status,
        name="merchant_set_status",
    ),
    path(
        "commercant/creneaux/<int:slot_id>/preparation/",
        views.preparation_list,
        name="preparation",
    ),
    path(
        "commercant/creneaux/<int:slot_id>/preparation.csv",
        views.preparation_csv,
        name="preparation_csv",
    ),
]

urlpatterns += [
    path(
        "commercant/commerces/<int:business_id>/catalogue/",
        merchant_views.catalogue_admin,
        name="catalogue_admin",
    ),
    path(
        "commercant/commerces/<int:business_id>/produits/nouveau/",
        merchant_views.product_edit,
        name="product_new",
    ),
    path(
        "commercant/commerces/<int:business_id>/produits/<int:product_id>/",
        merchant_views.product_edit,
        name="product_edit",
    ),
    path(
        "commercant/commerces/<int:business_id>/campagnes/nouvelle/",
        merchant_views.campaign_edit,
        name="campaign_new",
    ),
    path(
        "commercant/commerces/<int:business_id>/campagnes/<int:campaign_id>/",
        merchant_views.campaign_edit,
        name="campaign_edit",
    ),
]
