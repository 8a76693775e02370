from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "accord.releases"
    verbose_name = "Release calendar"
