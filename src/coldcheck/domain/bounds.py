"""How long and how large what a person types may be, and what counts as written down.

Every text and number a command carries has a bound (issue 19, item 13): a
name or a label is one line of at most :data:`SHORT_TEXT` characters, a
description, a reason or a note at most :data:`LONG_TEXT` (about two printed
pages), an id at most :data:`ID_LENGTH`; lists have at most
:data:`MAX_ITEMS` entries. ``decide`` refuses anything beyond them with
``INPUT`` before any rule runs, and the API publishes the same bounds.

A field a rule relies on being written down (a protection, a resolution, a
release note, a reason) must hold real text: :func:`is_written` is false for
an empty string, whitespace, invisible format characters or punctuation
alone. Serial numbers are compared by :func:`serial_key` (NFKC, case folded,
spaces, invisible characters and dash variants removed), so ``sa-48213 ``,
``SA-48213\\u200b`` and ``SA\\u201148213`` are one serial.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from enum import Enum
from typing import Any

from coldcheck.domain.codec import _hints
from coldcheck.domain.ids import (
    ContainerId,
    IncidentId,
    LotId,
    MeetingId,
    PersonId,
    ProductionId,
    ReportId,
    SceneId,
    WeaponId,
)
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.photos import MAX_PHOTO_BYTES

SHORT_TEXT = 200
"""A name, serial, label, title, setup, kind, duty, permit or seal number: one line."""

LONG_TEXT = 4000
"""A description, resolution, reason, note, report text or answer: about two pages."""

ID_LENGTH = 64
"""An id chosen by a person or the server (person, scene, meeting, report, tag)."""

MAX_ITEMS = 500
"""Entries of a list (attendees, serials seen, lot counts, ...) unless said otherwise."""

MAX_LOT_COUNT = 100_000
"""Rounds in one lot."""

MAX_NUMBER = 1_000_000
"""Any other whole number a command carries (a log position may be larger)."""

#: Fields holding long free text; every other text field is short.
LONG_FIELDS = frozenset(
    {
        "description",
        "resolution",
        "reason",
        "note",
        "notes",
        "text",
        "response",
        "purpose",
        "method",
        "carry_over_reason",
    }
)

#: Text fields with a bound of their own (passkeys, issue 17: WebAuthn allows credential ids
#: of up to 1023 bytes; an RSA COSE key is ~270 bytes; base64url is 4/3 of that).
TEXT_LIMITS = {
    "credential": 1400,
    "public_key": 1400,
    "authenticator_data": 1400,
    "client_data_json": 4000,
    "signature": 1400,
    "command_json": 16000,
    "nonce": 64,
    "rp_id": 253,
    # a corrected value (R27) is checked again against the bound of the field it corrects
    "value": LONG_TEXT,
    "was": LONG_TEXT,
}

#: Whole numbers with a bound of their own (a photo's size in bytes, issue 18 part 5).
NUMBER_LIMITS = {"byte_size": MAX_PHOTO_BYTES}

#: Lists with their own bound.
ITEM_LIMITS = {"rounds": MAX_LOT_COUNT, "protection": 20}

#: The most load positions (chambers, slots, barrels) a weapon of each action may have.
MAX_CAPACITY: dict[ActionType, int] = {
    ActionType.SINGLE_ACTION_REVOLVER: 12,
    ActionType.DOUBLE_ACTION_REVOLVER: 12,
    ActionType.SEMI_AUTO_PISTOL: 50,
    ActionType.SEMI_AUTO_RIFLE: 100,
    ActionType.BOLT: 10,
    ActionType.LEVER: 20,
    ActionType.PUMP: 12,
    ActionType.BREAK_ACTION: 4,
    ActionType.BELT_FED: 250,
    ActionType.REPLICA: 0,
}

#: The largest value of each production setting.
MAX_SETTINGS = {
    "blank_load_window_minutes": 240,
    "min_blank_distance_ft": 1000,
    "misfire_wait_seconds": 600,
    "armorer_capacity": 100,
    "escalation_hours": 720,
    "overdue_minutes": 1440,
}

ID_TYPES: frozenset[Any] = frozenset(
    {
        ProductionId,
        PersonId,
        WeaponId,
        LotId,
        ContainerId,
        SceneId,
        IncidentId,
        ReportId,
        MeetingId,
    }
)

_PERSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)
_LOOKS_LIKE_TAG = re.compile(r"[A-Za-z]-[0-9]+", re.ASCII)


def is_person_id(value: str) -> bool:
    """ASCII letters, digits, ``.``, ``_``, ``-`` (1-64, starting with a letter or digit),
    and never shaped like a tag (``W-0001``)."""
    return bool(_PERSON_ID.fullmatch(value)) and not _LOOKS_LIKE_TAG.fullmatch(value)


def is_written(value: str) -> bool:
    """True when ``value`` holds a letter or a digit: real words, not blanks or dots."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in value)


def serial_key(serial: str) -> str:
    """The form serial numbers are compared in: NFKC, case folded, no spaces or invisibles."""
    out = []
    for ch in unicodedata.normalize("NFKC", serial).casefold():
        cat = unicodedata.category(ch)
        if ch.isspace() or cat in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            continue
        out.append("-" if cat == "Pd" else ch)
    return "".join(out)


# In ASCII the only Cc characters are U+0000-U+001F and U+007F, and there is no Zl or Zp:
# an ASCII value is checked with one search, anything else character by character.
_ASCII_NOT_LINE = re.compile("[\x00-\x1f\x7f]")
_ASCII_NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _is_clean_line(value: str) -> bool:
    if value.isascii():
        return _ASCII_NOT_LINE.search(value) is None
    return not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)


def _is_clean_text(value: str) -> bool:
    if value.isascii():
        return _ASCII_NOT_TEXT.search(value) is None
    return not any(
        (unicodedata.category(ch) == "Cc" and ch not in "\n\t") or ch == "\x00" for ch in value
    )


_FIELDS: dict[type[Any], tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    """A dataclass's (field name, resolved annotation) pairs, worked out once per class."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = _hints(cls)
        found = _FIELDS[cls] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
    return found


@functools.cache
def text_limit(name: str, annotation: Any) -> int:
    """The longest value a text field called ``name`` of this type may hold."""
    base = _strip_optional(annotation)
    if base in ID_TYPES:
        return ID_LENGTH
    if name in TEXT_LIMITS:
        return TEXT_LIMITS[name]
    return LONG_TEXT if name in LONG_FIELDS else SHORT_TEXT


def items_limit(name: str) -> int:
    """The most entries a list field called ``name`` may hold."""
    return ITEM_LIMITS.get(name, MAX_ITEMS)


def _strip_optional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and args:
        return args[0]
    return annotation


def out_of_bounds(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """What in a command (or a value nested in it) is longer or larger than allowed."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return
    for name, annotation in _fields(type(value)):
        if name in skip:
            continue
        yield from _check(name, getattr(value, name), annotation)


def field_out_of_bounds(name: str, value: Any, annotation: Any) -> Iterator[str]:
    """What is too long, too large or not plain text in ``value`` as field ``name`` of type
    ``annotation`` (the same check a command's own field gets)."""
    yield from _check(name, value, annotation)


def _check(name: str, value: Any, annotation: Any) -> Iterator[str]:
    shown = name.replace("_", " ")
    if value is None or isinstance(value, bool | Enum | datetime | date):
        return
    if isinstance(value, str):
        limit = text_limit(name, annotation)
        if len(value) > limit:
            yield f"{shown} is {len(value)} characters long; at most {limit} are kept."
        elif limit == LONG_TEXT and not _is_clean_text(value):
            yield f"{shown} holds control characters — type plain text."
        elif limit != LONG_TEXT and not _is_clean_line(value):
            yield f"{shown} must be one line of text."
        return
    if isinstance(value, int):
        if name == "corrects":
            return
        bound = NUMBER_LIMITS.get(name, MAX_NUMBER)
        if not -bound <= value <= bound:
            yield f"{shown} is {value}; give a number between 0 and {bound:,}."
        return
    if isinstance(value, tuple | frozenset | list):
        limit = items_limit(name)
        if len(value) > limit:
            yield f"{shown} has {len(value)} entries; at most {limit} are accepted."
            return
        item = _item_type(annotation)
        for v in value:
            yield from _check(name, v, item)
        return
    if dataclasses.is_dataclass(value):
        yield from out_of_bounds(value)


@functools.cache
def _item_type(annotation: Any) -> Any:
    base = _strip_optional(annotation)
    args = typing.get_args(base)
    return args[0] if args else Any
