from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "accord.work"
    verbose_name = "Scheduled work and notifications"
