from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "accord.catalogue"
    verbose_name = "Modules and regions"
