from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared helpers of the Accord shell (health check, display, prepared queries, proxies,
    `accord calc`): it imports no other Accord app but the engine and the policies."""

    name = "accord.core"
    label = "accord_core"
    verbose_name = "Accord core"
