from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "accord.status"
    verbose_name = "Status page"
