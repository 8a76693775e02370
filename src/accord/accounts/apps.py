from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accord.accounts"
    verbose_name = "Organisations and people"
