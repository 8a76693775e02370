from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "accord.probes"
    verbose_name = "Health checks and probe locations"

    def ready(self) -> None:
        # Registers the hourly `probes_housekeeping` job handler with accord.work.
        from accord.probes import services  # noqa: F401
