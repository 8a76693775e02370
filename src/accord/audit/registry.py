"""`track(model, fields, organisation=...)`: record the changes of a model's fields.

An app calls `track` once, in its `AppConfig.ready` (the foundation models are registered by
`accord.audit.foundation`). From then on every `save()` and `delete()` of a row of that model
writes an `AuditEntry` in the same transaction (a rolled-back change leaves no entry):

* created: every tracked field that has a value, as `[null, new]`;
* changed: only the tracked fields whose value changed, as `[old, new]` (the old values are
  read from the database just before the save; nothing changed, no entry);
* deleted: the tracked fields' last values, as `[old, null]`.

`secret` fields (a password) are never recorded: a change is `"changed"`, with no value.
A foreign key is recorded as the related row's label (`str()`), a date or a decimal as text,
and a JSON field leaf by leaf (`policy_data.severities.0.target.hours`), long values as
their size and digest.
Queryset `update()` and raw SQL bypass Django's signals and are not recorded: code that changes
a tracked model does it through `save()`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst

from accord.core.acting import current

# A value longer than this (as JSON) is recorded as its size and digest, not as itself.
LONG_VALUE = 300
_OLD = "_accord_audit_old"
ANOTHER_ORGANISATION = "another organisation"
# A JSON field's change is shown leaf by leaf up to this many leaves.
MAX_LEAVES = 40


@dataclass(frozen=True)
class Tracked:
    model: type[models.Model]
    fields: tuple[str, ...]
    organisation: Callable[[Any], int | None]
    secret: frozenset[str]
    label: Callable[[Any], str]
    title: Any  # the kind of row, shown in the reader's language (a lazy string)
    labels: Mapping[str, Any]  # the fields' names as shown (lazy), where the model has none

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower


REGISTRY: dict[type[models.Model], Tracked] = {}


def track(
    model: type[models.Model],
    fields: Iterable[str],
    *,
    organisation: Callable[[Any], int | None],
    secret: Iterable[str] = (),
    label: Callable[[Any], str] = str,
    title: Any = "",
    labels: Mapping[str, Any] | None = None,
) -> None:
    """Record changes of `fields` of `model`. `organisation(row)` is the id of the organisation
    whose customer admins may read the entry (None: vendor admins only); `secret` fields are
    recorded as "changed" without values; `label(row)` names the row in the log, `title` the
    kind of row (default: the model's verbose name), `labels` the fields' names on the page
    where the model gives none (both lazy: the page says them in the reader's language)."""
    names = tuple(fields)
    for name in names:
        model._meta.get_field(name)  # a typo fails at start-up, not silently
    title = title or model._meta.verbose_name
    entry = Tracked(model, names, organisation, frozenset(secret), label, title, labels or {})
    REGISTRY[model] = entry
    uid = f"accord.audit:{model._meta.label_lower}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=uid, weak=False)
    post_save.connect(_after_save, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_after_delete, sender=model, dispatch_uid=uid, weak=False)


def object_types() -> list[tuple[str, str]]:
    """(object_type, title) of every tracked model, for the log's filter, in the active
    language."""
    titles = ((t.object_type, capfirst(str(t.title))) for t in REGISTRY.values())
    return sorted(titles, key=lambda p: p[1])


def _tracked(object_type: str) -> Tracked | None:
    return next((t for t in REGISTRY.values() if t.object_type == object_type), None)


def title_of(object_type: str) -> str:
    """The kind of row an entry records, in the active language ("Person", "Person" in
    German too; "Contract version", "Vertragsversion"); the stored type if no longer tracked."""
    tracked = _tracked(object_type)
    return capfirst(str(tracked.title)) if tracked is not None else object_type


def field_title(object_type: str, path: str) -> str:
    """A recorded field's name in the active language: the model's verbose name when it marks
    one for translation, else the label `track` was given, else the stored name. A JSON leaf's
    path after the field stays as stored ("Penalties: tiers.0.credit")."""
    tracked = _tracked(object_type)
    name, _, rest = path.partition(".")
    if tracked is None:
        return path
    label: Any = tracked.labels.get(name)
    try:
        verbose = tracked.model._meta.get_field(name).verbose_name  # type: ignore[union-attr]
    except FieldDoesNotExist:
        verbose = None
    if isinstance(verbose, Promise):
        label = verbose
    if label is None:
        return path
    shown = capfirst(str(label))
    return f"{shown}: {rest}" if rest else shown


# --- values ----------------------------------------------------------------------------------


def _digest(text: str) -> str:
    return f"({len(text)} characters, sha256 {hashlib.sha256(text.encode()).hexdigest()[:12]})"


def _plain(value: Any) -> Any:
    """A value as JSON can hold it, short enough to read."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return value if len(value) <= LONG_VALUE else _digest(value)
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True, default=str)
        return value if len(text) <= LONG_VALUE else _digest(text)
    return value


def _raw(tracked: Tracked, row: Any) -> dict[str, Any]:
    return {
        name: getattr(row, tracked.model._meta.get_field(name).attname) for name in tracked.fields
    }


def _related_label(field: models.Field[Any, Any], pk: Any, reader: int | None = None) -> Any:
    from accord.accounts.models import Organisation

    if pk is None:
        return None
    if field.related_model is Organisation and reader is not None and pk != reader:
        return ANOTHER_ORGANISATION
    related = field.related_model._default_manager.filter(pk=pk).first()  # type: ignore[union-attr]
    return str(related) if related is not None else f"#{pk}"


def _changes(
    tracked: Tracked, old: dict[str, Any], new: dict[str, Any], reader: int | None = None
) -> dict[str, Any]:
    """`[old, new]` per changed field. In an entry that `reader`'s admins read, another
    organisation is never named (a person moved from Acme to Globex: Globex's entry says
    "another organisation" where Acme's says "Acme Corp")."""
    changes: dict[str, Any] = {}
    for name in tracked.fields:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name in tracked.secret:
            changes[name] = "changed"
            continue
        field = tracked.model._meta.get_field(name)
        if field.is_relation:
            changes[name] = [
                _related_label(field, value, reader)  # type: ignore[arg-type]
                for value in (before, after)
            ]
        elif isinstance(field, models.JSONField):
            changes.update(_json_changes(name, before, after))
        elif isinstance(field, models.DecimalField):
            changes[name] = [_decimal(field, before), _decimal(field, after)]
        else:
            changes[name] = [_plain(before), _plain(after)]
    return changes


def _json_changes(name: str, before: Any, after: Any) -> dict[str, Any]:
    """A JSON value's changes leaf by leaf (`policy_data.severities.0.target.hours`); more
    than `MAX_LEAVES` of them, the top-level keys' summaries instead."""
    leaves: dict[str, Any] = {}
    _diff(name, before, after, leaves)
    if len(leaves) <= MAX_LEAVES:
        return leaves
    if isinstance(before, dict) and isinstance(after, dict):
        return {
            f"{name}.{key}": [_plain(before.get(key)), _plain(after.get(key))]
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)
        }
    return {name: [_plain(before), _plain(after)]}


def _diff(path: str, before: Any, after: Any, out: dict[str, Any]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict) and before and after:
        for key in sorted(set(before) | set(after), key=str):
            _diff(f"{path}.{key}", before.get(key), after.get(key), out)
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (one, other) in enumerate(zip(before, after, strict=True)):
            _diff(f"{path}.{index}", one, other, out)
    else:
        out[path] = [_plain(before), _plain(after)]


def _decimal(field: models.DecimalField[Any], value: Any) -> str | None:
    """As the column stores it: 900 is "900.00" in a money column, however it was typed."""
    if value is None:
        return None
    return f"{Decimal(value):.{field.decimal_places}f}"


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


# --- signals ---------------------------------------------------------------------------------


def _before_save(
    sender: type[models.Model], instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    tracked = REGISTRY[sender]
    setattr(instance, _OLD, None)
    if raw or instance._state.adding or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not set(update_fields) & set(tracked.fields):
        return  # e.g. last_login: nothing tracked is written
    attnames = [tracked.model._meta.get_field(name).attname for name in tracked.fields]
    found = sender._base_manager.filter(pk=instance.pk).values(*attnames).first()
    if found is None:
        return
    setattr(
        instance,
        _OLD,
        {name: found[tracked.model._meta.get_field(name).attname] for name in tracked.fields},
    )


def _after_save(
    sender: type[models.Model], instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return  # fixtures loading
    tracked = REGISTRY[sender]
    new = _raw(tracked, instance)
    if created:
        old = {name: None for name in tracked.fields}
        new = {k: v for k, v in new.items() if not _empty(v) and k not in tracked.secret}
        reader = tracked.organisation(instance)
        _write(tracked, instance, "created", _changes(tracked, old, new, reader), reader)
        return
    old = getattr(instance, _OLD, None)
    setattr(instance, _OLD, None)
    if old is None:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        old = {k: v for k, v in old.items() if k in update_fields}
        new = {k: v for k, v in new.items() if k in update_fields}
    after = tracked.organisation(instance)
    before = _organisation_before(tracked, instance, old)
    # Moved from one organisation to another: each side's admins read the change.
    for reader in [after] if before == after else [before, after]:
        changes = _changes(tracked, old, new, reader)
        if changes:
            _write(tracked, instance, "changed", changes, reader)


def _organisation_before(tracked: Tracked, instance: Any, old: dict[str, Any]) -> int | None:
    """The organisation the row belonged to before this save."""
    shadow = copy.copy(instance)  # Django copies the related-object cache with it
    for name, value in old.items():
        setattr(shadow, tracked.model._meta.get_field(name).attname, value)
    return tracked.organisation(shadow)


def _after_delete(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    from accord.accounts.models import Organisation

    tracked = REGISTRY[sender]
    old = {k: v for k, v in _raw(tracked, instance).items() if not _empty(v)}
    old = {k: v for k, v in old.items() if k not in tracked.secret}
    new = {name: None for name in tracked.fields}
    reader = tracked.organisation(instance)
    if isinstance(instance, Organisation):
        reader = None  # the row is gone: an entry naming it would point at nothing
    _write(tracked, instance, "deleted", _changes(tracked, old, new, reader), reader)


def _write(
    tracked: Tracked,
    instance: Any,
    action: str,
    changes: dict[str, Any],
    organisation_id: int | None,
) -> None:
    from accord.audit.models import AuditEntry

    acting = current()
    AuditEntry.objects.create(
        at=timezone.now(),
        organisation_id=organisation_id,
        actor=acting.actor(),
        via=acting.via,
        object_type=tracked.object_type,
        object_id=str(instance.pk),
        object_label=str(tracked.label(instance))[:300],
        action=action,
        changes=changes,
    )
