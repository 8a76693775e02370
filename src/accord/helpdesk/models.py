"""Fault tickets, their append-only event log, comments and attachments.

A ticket's clock columns (`severity_in_force` … `next_warning_at`) are a cache of what the engine
computes from the ticket's events; `accord.helpdesk.services` rewrites them in the same
transaction as every change, and nothing else writes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Organisation
from accord.catalogue.models import Module, Region
from accord.core.models import AppendOnly


class Severity(models.IntegerChoices):
    CRITICAL = 1, _("1 Critical")
    HIGH = 2, _("2 High")
    MEDIUM = 3, _("3 Medium")
    NORMAL = 4, _("4 Normal")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESTORED = "restored", _("Service restored")
    FIX_DELIVERED = "fix_delivered", _("Permanent fix delivered")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.REPORTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", "API"
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class Repair(models.TextChoices):
    TEMPORARY = "temporary", _("Temporary repair")
    PERMANENT = "permanent", _("Permanent repair")


class AgentGroup(models.Model):
    """A team of the vendor's staff that tickets can be assigned to (managed in the admin)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="agent_groups", blank=True, verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("agent group")
        verbose_name_plural = _("agent groups")

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    tenant_field = "organisation"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="tickets")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="tickets")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="tickets")
    summary = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.PositiveSmallIntegerField(
        choices=Severity.choices,
        null=True,
        blank=True,
        help_text=_("As designated by the customer"),
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REPORTED)
    repair = models.CharField(max_length=10, choices=Repair.choices, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_tickets"
    )
    reported_at = models.DateTimeField()
    email_message_id = models.CharField(max_length=300, blank=True, db_index=True)

    # A migration that changes this table must end with
    # RunPython(accord.helpdesk.search_triggers.restore_ticket_triggers): SQLite rebuilds the
    # table and loses the full-text search triggers.

    # The clock, as last computed by the engine from the events.
    severity_in_force = models.PositiveSmallIntegerField(null=True, blank=True)
    severity_agreed = models.BooleanField(default=False)
    dispute_open = models.BooleanField(default=False)  # a proposal awaits an answer
    # A proposal was rejected and no agreement or meeting has settled it (issue 21). The
    # database default lets a version that predates the column still insert tickets.
    severity_disputed = models.BooleanField(default=False, db_default=False)
    target_seconds = models.PositiveIntegerField(null=True, blank=True)
    used_seconds = models.PositiveIntegerField(default=0)
    clock_state = models.CharField(max_length=10, default="running")
    standing = models.CharField(max_length=12, default="no_severity", db_index=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    next_warning_at = models.DateTimeField(null=True, blank=True)
    clock_computed_at = models.DateTimeField(null=True, blank=True)

    # Ownership (accord.helpdesk.assignment writes these, with an `assigned` event).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    group = models.ForeignKey(
        AgentGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("group"),
    )

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("Work in progress")
    SEVERITY_DESIGNATED = "severity_designated", _("Severity designated")
    SEVERITY_PROPOSED = "severity_proposed", _("Severity change proposed")
    SEVERITY_REJECTED = "severity_rejected", _("Proposal rejected")
    SEVERITY_AGREED = "severity_agreed", _("Severity agreed")
    SEVERITY_SETTLED = "severity_settled", _("Dispute settled at a meeting")
    RESTORED = "restored", _("Service restored")
    FIX_DELIVERED = "fix_delivered", _("Permanent fix delivered")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    PAUSED = "paused", _("Clock paused")
    RESUMED = "resumed", _("Clock resumed")
    # Contested restorations (accord.helpdesk.restoration)
    RESTORATION_CONTESTED = "restoration_contested", _("Restoration contested")
    RESTORATION_WITHDRAWN = "restoration_withdrawn", _("Restoration withdrawn")
    CONTEST_REJECTED = "contest_rejected", _("Contest rejected")
    ASSIGNED = "assigned", _("Assignment changed")


class TicketEvent(AppendOnly):
    """One change to a ticket: append-only, never edited or deleted."""

    never_changed = "ticket events are append-only"
    never_deleted = "ticket events are append-only"

    tenant_field = "ticket__organisation"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    """A public comment, or a staff-only note (`internal`) that customers never see."""

    tenant_field = "ticket__organisation"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    internal = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    email_message_id = models.CharField(max_length=300, blank=True, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment on #{self.ticket_id} by {self.author_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket.organisation_id}/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    tenant_field = "ticket__organisation"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    comment = models.ForeignKey(
        Comment, on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class IdempotencyKey(models.Model):
    """A create request's `Idempotency-Key`: a retry returns the ticket the first one made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_ticket_per_key")]

    def __str__(self) -> str:
        return f"{self.key} -> #{self.ticket_id}"


class InboundMessage(models.Model):
    """Every email handed to `accord mail-ingest`, kept raw, with what became of it."""

    tenant_field = "organisation"

    received_at = models.DateTimeField()
    raw = models.BinaryField()
    message_id = models.CharField(max_length=300, blank=True, db_index=True)
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=500, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=20)  # created, commented, refused
    reason = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject} ({self.outcome})"
