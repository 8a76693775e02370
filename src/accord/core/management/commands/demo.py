from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Walk through Accord's SLA calculations on sample data."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING("Accord demo"))
        self.stdout.write("The SLA engine walkthrough is not wired in yet.")
