"""Models of the status page: the people who asked for status updates by email.

A subscription is double opt-in: the row is created unconfirmed, a link with a signed token is
emailed, and only a confirmed, not unsubscribed address is ever sent a notice. Tokens are not
stored: they are signed with the secret key (`django.core.signing`), so the unsubscribe link of
any future notice can be made again from the row.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.catalogue.models import Module, Region


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Signed webhook")
    SLACK = "slack", _("Slack")


class StatusSubscriber(models.Model):
    """One subscription: an email address (double opt-in), a signed webhook or a Slack
    incoming webhook; to one region or every region, to some modules or every module."""

    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    email = models.EmailField(blank=True)
    url = models.URLField(
        max_length=500, blank=True, help_text=_("Where a webhook or Slack notice is POSTed")
    )
    secret = models.CharField(
        max_length=200, blank=True, help_text=_("The webhook's signing secret (shown once)")
    )
    modules = models.ManyToManyField(
        Module, blank=True, related_name="+", help_text=_("None means every module")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty means every region"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmations_sent = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # An address has no account, so no language of its own: its emails are in the language of
    # the page it subscribed on (empty, for rows from before: the site's default).
    language = models.CharField(
        max_length=10,
        blank=True,
        default="",
        db_default="",
        help_text=_("Its emails are written in this language (empty: the site's default)"),
    )

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "region"],
                condition=Q(region__isnull=False, channel="email"),
                name="one_subscription_per_email_and_region",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(region__isnull=True, channel="email"),
                name="one_all_regions_subscription_per_email",
            ),
        ]

    def __str__(self) -> str:
        where = self.region.code if self.region_id else "all regions"
        return f"{self.email or self.get_channel_display()} ({where})"

    @property
    def active(self) -> bool:
        """Confirmed and not unsubscribed: the only state in which notices are sent."""
        return self.confirmed_at is not None and self.unsubscribed_at is None


class DemoSwitch(models.Model):
    """The demo's stand-in health endpoint of one module-region (`/status/demo-health/<id>/`):
    down makes it answer 503, so the probes confirm an outage for real. Kept in the database so
    every thread and process of `make demo` sees the same state. Only used while the status
    page's demo switch is enabled (`services.demo_enabled`)."""

    module_region = models.OneToOneField(
        "monitoring.ModuleRegion", on_delete=models.CASCADE, related_name="+"
    )
    down = models.BooleanField(default=False)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"demo health of {self.module_region}: {'down' if self.down else 'up'}"
