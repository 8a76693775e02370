"""What the vendor runs: modules (the seed's five by default) in regions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.engine.policy import Region as EngineRegion


class Region(models.Model):
    """Where customers live: one version of each module runs per region."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, help_text=_("IANA time zone, e.g. Europe/London"))
    holiday_country = models.CharField(max_length=3, blank=True)
    holiday_subdiv = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def as_engine(self) -> EngineRegion:
        return EngineRegion(
            code=self.code,
            name=self.name,
            timezone=self.timezone,
            holiday_country=self.holiday_country or None,
            holiday_subdiv=self.holiday_subdiv or None,
        )


class Module(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
