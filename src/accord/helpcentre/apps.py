from django.apps import AppConfig


class HelpcentreConfig(AppConfig):
    name = "accord.helpcentre"
    verbose_name = "Help centre"
