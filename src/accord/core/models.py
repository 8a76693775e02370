"""Model shapes every app may use (abstract: no tables of their own)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from accord.core.errors import Immutable


class AppendOnly(models.Model):
    """A row written once and never changed or deleted: a ticket's events, a contract's and a
    report's versions, the audit log. What replaces it is a new row; saving it again or
    deleting it raises `Immutable` (a bug, not a refusal), with the model's own sentences."""

    never_changed: ClassVar[str] = "rows of this kind are never changed"
    never_deleted: ClassVar[str] = "rows of this kind are never deleted"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise Immutable(self.never_changed)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise Immutable(self.never_deleted)
