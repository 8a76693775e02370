from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "accord.monitoring"
    verbose_name = "Uptime monitoring, incidents and maintenance"

    def ready(self) -> None:
        from accord.monitoring import prometheus
        from accord.work import services as work

        # Error-rate samples from the Prometheus feeds (docs/monitoring.md, "Error rates").
        work.every("prometheus_pull", prometheus.INTERVAL, prometheus.pull_all)
