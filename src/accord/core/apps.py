from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces of the Accord shell: health check, `accord demo`."""

    name = "accord.core"
    label = "accord_core"
    verbose_name = "Accord core"
