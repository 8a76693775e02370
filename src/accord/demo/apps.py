from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: its organisations, a year of history and the `accord demo` command.

    The top layer of Accord: it imports the feature apps to seed them, and no app imports it.
    """

    name = "accord.demo"
    label = "accord_demo"
    verbose_name = "Accord demo"
