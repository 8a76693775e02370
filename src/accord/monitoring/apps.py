from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "accord.monitoring"
    verbose_name = "Uptime monitoring, incidents and maintenance"
