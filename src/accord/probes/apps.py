from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "accord.probes"
    verbose_name = "Health checks and probe locations"
