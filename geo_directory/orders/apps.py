from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "geo_directory.orders"
    label = "orders"
    verbose_name = "Commandes"
