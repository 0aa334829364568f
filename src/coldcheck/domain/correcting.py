"""Corrections the ATF way (ATF Ruling 2016-1, R27): the entry stays, the correction names
it and the corrected values.

A correction says ``field → corrected value`` for fields of the corrected entry. Which
fields may be corrected is read from the entry's dataclass fields and their types, so a
field added to an event later is handled without a change here:

* **yes** — descriptive text (``serial``, ``make``, ``model``, ``calibre``, ``owner``, a
  person's ``name``, ``notes``, ``reason``, ``description``, a seal number, a supplier...),
  descriptive dates (not ``day``, ``expires`` or ``trained_on``, which rules read), and the
  take context of a firearm event (``context.scene``, ``context.setup``, ``context.take``,
  ``context.rehearsal``);
* **no** (R27, with what to do instead) — anything the safety state or round
  conservation was built from: ids (who holds a weapon, which lot, which container),
  numbers (round counts, capacity, take times), lists and nested records (chamber contents,
  lot counts, findings), kinds, classes, flags and times, the text that names a chamber or
  a duty, and when/by whom/who confirmed, which is the log's own record.

Values travel as text (:class:`~coldcheck.domain.model.FieldChange`) and are decoded
against the field's type by :func:`decode`; :func:`corrected_event` gives the entry as
corrected (the latest correction of a field wins; every correction stays on the record).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from coldcheck.domain.bounds import ID_TYPES
from coldcheck.domain.codec import _hints
from coldcheck.domain.events import EVENT_TYPES, Event
from coldcheck.domain.model import FieldChange

CONTEXT = "context"
"""The take-context field of a firearm event; its own fields are corrected as ``context.x``."""

COMMON = ("production", "at", "by", "witnesses", "signatures")
"""Fields every entry has: when, by whom and who confirmed — the log's own record."""

RULE_DATES = frozenset({"day", "expires", "trained_on"})
"""Dates the rules read (a shoot day, an expiry, a training date): not corrected."""

RULE_RECORDS = frozenset({"settings"})
"""Records the rules read as a whole (the production's settings): changed by a new event."""

_ANY = "*"

#: Text fields the rules read, by (event type or ``*``, field): why not, and what instead.
RULE_TEXT: Mapping[tuple[str, str], str] = {
    (_ANY, "position"): "names the chamber the state of the weapon was built from",
    (_ANY, "hammer_over"): "names the chamber under the hammer, which the safety state read",
    (_ANY, "duty"): "is the duty timeline R07 is judged on — end the duty and assign the "
    "right one instead",
    (_ANY, "time_zone"): "decides every local shoot day of the production",
    (_ANY, "media_type"): "is read from the file's own bytes — record a new photo instead",
    (_ANY, "credential"): "identifies a passkey — revoke it and enrol the right one",
    (_ANY, "public_key"): "identifies a passkey — revoke it and enrol the right one",
    (_ANY, "rp_id"): "identifies a passkey — revoke it and enrol the right one",
    ("ArmoryLocked", "kind"): "is what kind of lock-up the rules saw",
    ("SafetyReportFiled", "text"): "is what the reporter said — answer the report instead",
    ("CorrectionRecorded", "of_type"): "is filled in by the server from the log",
    ("CorrectionRecorded", "subject"): "is filled in by the server from the log",
    ("CorrectionRecorded", "corrects"): "names its entry for good — record a new correction "
    "of the right entry",
    ("CorrectionRecorded", "changes"): "are kept as recorded — correct the original entry "
    "again: the latest correction of a field wins and both stay on the record",
}

#: Endings of the names of fields that hold a file's digest: evidence, never corrected.
_DIGESTS = ("sha256", "hash", "digest")


def shown(path: str) -> str:
    """A field as people say it: ``context.setup`` → "setup", ``blank_load`` → "blank load"."""
    return path.rsplit(".", 1)[-1].replace("_", " ")


def _base(annotation: Any) -> tuple[Any, bool]:
    """The type without ``| None``, and whether None is allowed."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else annotation), type(None) in args
    return annotation, False


def _record_type(annotation: Any) -> type[Any] | None:
    """The dataclass a field holds (``Acquisition | None`` → ``Acquisition``), else None."""
    base, _ = _base(annotation)
    if isinstance(base, type) and dataclasses.is_dataclass(base):
        return base
    return None


def field_types(cls: type[Any]) -> dict[str, Any]:
    """Every field of an event type a correction could name, with its type: its own
    fields, the common ones, and ``record.x`` for each field of a record it holds (the take
    ``context.x`` of a firearm event, a registration's ``acquisition.x``, a retirement's
    ``disposition.x``)."""
    hints = _hints(cls)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        out[f.name] = hints[f.name]
        record = _record_type(hints[f.name])
        if record is not None and f.name not in RULE_RECORDS:
            for sub, tp in _hints(record).items():
                if sub in {g.name for g in dataclasses.fields(record)}:
                    out[f"{f.name}.{sub}"] = tp
    return out


def why_not(type_name: str, path: str, annotation: Any) -> str | None:
    """None when ``path`` of an entry of ``type_name`` may be corrected, else the sentence
    that says why not and what to do instead."""
    name = shown(path)
    if path.startswith(f"{CONTEXT}."):
        return None
    if "." in path:  # a field of a record the entry holds: judged as the entry's own fields
        return why_not(type_name, path.split(".", 1)[1], annotation)
    if path in COMMON:
        return (
            f"{name}: when an entry was made, by whom and who confirmed it is the log's own "
            "record and is never corrected — say what was wrong in the reason."
        )
    special = RULE_TEXT.get((type_name, path)) or RULE_TEXT.get((_ANY, path))
    if special is None and path.endswith(_DIGESTS):
        special = "ties a file (a photo, a document) to the record — record a new one instead"
    if special is not None:
        return f"{name} {special}; it cannot be corrected after the fact."
    base, _ = _base(annotation)
    if path == CONTEXT or (_record_type(annotation) is not None and path not in RULE_RECORDS):
        return f"{name}: correct its parts ({path}.x) one by one."
    if base in ID_TYPES or getattr(base, "__supertype__", None) is not None:
        return (
            f"{name} says who or what the entry is about, and custody follows it — it cannot "
            "be corrected; record what really happened as a new event (a handoff, a "
            "take-back, a move) and say why in the reason."
        )
    if base in (int, float):
        return (
            f"{name} is a count or a number that round conservation (R05), the wrap count "
            "(R23) or a rule rests on — it cannot be rewritten after the fact; record the "
            "real count at wrap (a discrepancy the producer resolves) or a new event."
        )
    origin = typing.get_origin(base)
    if origin in (tuple, list, frozenset, set) or (
        isinstance(base, type) and dataclasses.is_dataclass(base)
    ):
        return (
            f"{name} holds chamber contents, counts, findings or settings the safety state "
            "was built from — it cannot be rewritten; record a new inspection, unload, count "
            "or settings change instead."
        )
    if base is str:
        return None
    if base is date and path not in RULE_DATES:
        return None
    return (
        f"{name} decided what the rules allowed (a kind, class, severity, flag, time or a "
        "date they read) — it cannot be corrected after the fact; record a new event "
        "(register, plan, train or permit again) and say why in the reason."
    )


def correctable_fields(type_name: str) -> tuple[str, ...]:
    """The fields of an entry of ``type_name`` a correction may name, in declared order."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        return ()
    return tuple(p for p, tp in field_types(cls).items() if why_not(type_name, p, tp) is None)


def decode(path: str, annotation: Any, text: str) -> Any:
    """``text`` as a value of the field's type; ValueError says what is wrong and what to do."""
    base, optional = _base(annotation)
    name = shown(path)
    if not text.strip() and optional:
        return None
    if base is str:
        return text
    supertype = getattr(base, "__supertype__", None)
    if supertype is str:
        return base(text.strip())
    if base is int:
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(f"{name} is a whole number, not {text!r}.") from None
    if base is bool:
        word = text.strip().casefold()
        if word in ("yes", "true"):
            return True
        if word in ("no", "false"):
            return False
        raise ValueError(f"{name} is yes or no, not {text!r}.")
    if base is date:
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"{name} is a date (YYYY-MM-DD), not {text!r}.") from None
    raise ValueError(f"{name} cannot be corrected.")


def text_of(value: Any) -> str:
    """A value as a correction writes it: yes/no, YYYY-MM-DD, digits, words; None as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def value_at(e: Event, path: str) -> Any:
    """The value of ``path`` in ``e`` (None for a part of a take context not recorded)."""
    if "." in path:
        head, sub = path.split(".", 1)
        record = getattr(e, head, None)
        return getattr(record, sub, None) if record is not None else None
    return getattr(e, path, None)


def subject_of(e: Event) -> str:
    """What the entry's values describe: the first id it names (a registration's weapon, an
    added person, a received lot), "" when it names none."""
    hints = _hints(type(e))
    for f in dataclasses.fields(e):
        if f.name not in COMMON and hints[f.name] in ID_TYPES:
            return str(getattr(e, f.name))
    return ""


def corrected_event(e: Event, changes: Iterable[FieldChange]) -> Event:
    """``e`` with the corrected values, in order (the latest correction of a field wins).

    A change that does not fit the entry (a field no longer there, a value that no longer
    decodes) is left out: the entry is shown as recorded for that field.
    """
    types_of = field_types(type(e))
    for change in changes:
        annotation = types_of.get(change.field)
        if annotation is None or why_not(e.type_name, change.field, annotation) is not None:
            continue
        try:
            value = decode(change.field, annotation, change.value)
        except ValueError:
            continue
        fields = _nested(e, change.field, value)
        if fields is not None:
            e = _replaced(e, fields)
    return e


def _nested(holder: Any, path: str, value: Any) -> dict[str, Any] | None:
    """The fields to replace in ``holder`` to give ``path`` (``serial``, ``acquisition.name``)
    the value; None when a record not recorded cannot be made (it has required fields)."""
    if "." not in path:
        return {path: value}
    head, sub = path.split(".", 1)
    record = getattr(holder, head, None)
    if record is None:
        kind = _record_type(_hints(type(holder)).get(head))
        if kind is None:
            return None
        try:
            record = kind()
        except TypeError:
            return None
    return {head: dataclasses.replace(record, **{sub: value})}


def _replaced(e: Event, fields: dict[str, Any]) -> Event:
    out: Event = dataclasses.replace(e, **fields)
    return out


def corrected_record(record: Any, changes: Iterable[FieldChange]) -> Any:
    """A registered record (a weapon, a person, a lot) with the corrected values of the
    fields it shares by name with the entry that registered it."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return record
    types_of = field_types(type(record))
    for change in changes:
        annotation = types_of.get(change.field)
        if annotation is None or change.field == "id":
            continue
        if why_not("", change.field, annotation) is not None:
            continue
        try:
            fields = _nested(record, change.field, decode(change.field, annotation, change.value))
        except ValueError:
            continue
        if fields is not None:
            record = dataclasses.replace(record, **fields)
    return record
