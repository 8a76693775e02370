from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "accord.audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from accord.audit import commands, foundation

        foundation.register()
        commands.install()
