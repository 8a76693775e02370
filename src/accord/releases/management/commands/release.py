"""`accord release`: what a deployment pipeline runs.

    accord release record --module SLUG --region CODE --version V --kind minor \
        [--at ISO] [--notes TEXT] [--ticket ID ...] [--actor EMAIL]
    accord release plan [--weeks 8]
    accord release move --module SLUG --region CODE --version V --to ISO [--reason TEXT]
    accord release cancel --module SLUG --region CODE --version V [--reason TEXT]

`record` is idempotent by version and region (a repeat prints `unchanged`). The actor is the
staff member the ticket history names; by default the first active vendor admin.
`plan` creates the cadence's planned releases for every module-region from now on; `move` and
`cancel` change a planned release and record the change (a `ReleaseChange` row).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accord.accounts.access import is_staff
from accord.accounts.models import Role, User
from accord.core.errors import Refused
from accord.engine.errors import EngineError
from accord.engine.timeutil import from_epoch, parse_instant
from accord.helpdesk.models import Ticket
from accord.monitoring.models import ModuleRegion
from accord.releases import services
from accord.releases.models import Kind, Release


class Command(BaseCommand):
    help = "Record a deployed release, or plan releases from the cadence."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        record = sub.add_parser("record", help="Record a deployment (idempotent)")
        record.add_argument("--module", required=True, help="Module slug")
        record.add_argument("--region", required=True, help="Region code")
        record.add_argument("--version", required=True, dest="release_version")
        record.add_argument("--kind", required=True, choices=Kind.values)
        record.add_argument("--at", help="ISO 8601 with offset; default now")
        record.add_argument("--notes", default="", help="Notes for customers")
        record.add_argument("--ticket", type=int, action="append", default=[], dest="tickets")
        record.add_argument("--actor", help="Staff email; default the first vendor admin")
        plan = sub.add_parser("plan", help="Plan releases from the cadence")
        plan.add_argument("--weeks", type=int, default=8)
        for name, text in (("move", "Move a planned release"), ("cancel", "Cancel one")):
            change = sub.add_parser(name, help=text)
            change.add_argument("--module", required=True, help="Module slug")
            change.add_argument("--region", required=True, help="Region code")
            change.add_argument("--version", required=True, dest="release_version")
            if name == "move":
                change.add_argument("--to", required=True, help="ISO 8601 with offset")
            change.add_argument("--reason", default="")
            change.add_argument("--actor", help="Staff email; default the first vendor admin")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "plan":
            self._plan(options["weeks"])
        elif options["action"] in ("move", "cancel"):
            self._change(options)
        else:
            self._record(options)

    def _change(self, options: dict[str, Any]) -> None:
        release = Release.objects.filter(
            module_region__module__slug=options["module"],
            module_region__region__code=options["region"],
            version=options["release_version"],
        ).first()
        if release is None:
            raise CommandError("no such release")
        actor = self._actor(options)
        try:
            with transaction.atomic():
                if options["action"] == "move":
                    to = from_epoch(parse_instant(options["to"], "--to"))
                    services.move(release, to, actor=actor, reason=options["reason"])
                else:
                    services.cancel(release, actor=actor, reason=options["reason"])
        except (EngineError, Refused) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{options['action']}d: {release}")

    def _actor(self, options: dict[str, Any]) -> User:
        if options["actor"]:
            actor = User.objects.filter(email__iexact=options["actor"]).first()
            if actor is None or not is_staff(actor):
                raise CommandError(f"{options['actor']} is not an active staff member")
            return actor
        first = User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True).order_by("pk").first()
        if first is None:
            raise CommandError("no active vendor admin: pass --actor EMAIL")
        return first

    def _plan(self, weeks: int) -> None:
        if weeks < 1:
            raise CommandError("--weeks must be at least 1")
        now = timezone.now()
        try:
            with transaction.atomic():
                created = services.plan_from_cadence(now, now + timedelta(weeks=weeks))
        except Refused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(f"planned {len(created)} release(s)")
        for release in created:
            self.stdout.write(f"  {release.module_region} {release.version} {release.planned_at}")

    def _record(self, options: dict[str, Any]) -> None:
        try:
            at = from_epoch(parse_instant(options["at"], "--at")) if options["at"] else None
        except EngineError as exc:
            raise CommandError(str(exc)) from None
        module_region = ModuleRegion.objects.filter(
            module__slug=options["module"], region__code=options["region"]
        ).first()
        if module_region is None:
            raise CommandError(f"no module {options['module']!r} in region {options['region']!r}")
        actor = self._actor(options)
        tickets = list(Ticket.objects.filter(pk__in=options["tickets"]))
        missing = set(options["tickets"]) - {t.pk for t in tickets}
        if missing:
            raise CommandError(f"no ticket {min(missing)}")
        try:
            with transaction.atomic():
                recorded = services.record_deployment(
                    module_region,
                    options["release_version"],
                    options["kind"],
                    at or timezone.now(),
                    options["notes"],
                    tickets,
                    actor=actor,
                )
        except Refused as exc:
            raise CommandError(str(exc)) from None
        state = "recorded" if recorded.created else "unchanged"
        self.stdout.write(f"{state}: {recorded.release}")
        for pk in recorded.fixed_tickets:
            self.stdout.write(f"  ticket #{pk}: permanent fix delivered")
