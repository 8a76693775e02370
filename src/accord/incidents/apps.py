from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "accord.incidents"
    verbose_name = "Incidents and external monitors"
