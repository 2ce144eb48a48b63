from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "geo_directory.accounts"
    label = "accounts"
    verbose_name = "Comptes des commerçants"
