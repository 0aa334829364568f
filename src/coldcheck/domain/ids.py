"""Identifiers.

Every id is a ``NewType`` over ``str`` and is chosen by the caller (the
service makes UUIDs and tags and passes them in on the command).  Things
people handle get short, human-typeable tags: weapons ``W-0001``, lots
``L-0001``, containers ``C-0001``.  The domain checks tag formats and can
say which tag is free next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NewType, Protocol

ProductionId = NewType("ProductionId", str)
PersonId = NewType("PersonId", str)
WeaponId = NewType("WeaponId", str)
LotId = NewType("LotId", str)
ContainerId = NewType("ContainerId", str)
SceneId = NewType("SceneId", str)
IncidentId = NewType("IncidentId", str)
ReportId = NewType("ReportId", str)
MeetingId = NewType("MeetingId", str)

#: ASCII only and matched whole: no Unicode digits (``W-٠٠٠١``), no trailing newline.
_TAG = re.compile(r"(?P<prefix>[WLCI])-(?P<number>[0-9]{4,12})", re.ASCII)


def is_tag(value: str, prefix: str) -> bool:
    """True when ``value`` is a tag like ``W-0001`` with the given one-letter prefix."""
    m = _TAG.fullmatch(value)
    return m is not None and m.group("prefix") == prefix


def is_weapon_tag(value: str) -> bool:
    """True for ``W-0001``-style weapon tags."""
    return is_tag(value, "W")


def is_lot_tag(value: str) -> bool:
    """True for ``L-0001``-style lot tags."""
    return is_tag(value, "L")


def is_container_tag(value: str) -> bool:
    """True for ``C-0001``-style container tags."""
    return is_tag(value, "C")


def next_tag(prefix: str, used: Iterable[str]) -> str:
    """The tag after the highest one in use with this prefix (``X-0001`` when none)."""
    highest = 0
    for value in used:
        m = _TAG.fullmatch(value)
        if m is not None and m.group("prefix") == prefix:
            highest = max(highest, int(m.group("number")))
    return f"{prefix}-{highest + 1:04d}"


class _StateLike(Protocol):
    """What the tag helpers need from a ProductionState."""

    @property
    def weapons(self) -> Mapping[WeaponId, object]: ...
    @property
    def lots(self) -> Mapping[LotId, object]: ...
    @property
    def containers(self) -> Mapping[ContainerId, object]: ...
    @property
    def incidents(self) -> Mapping[IncidentId, object]: ...


def next_weapon_tag(state: _StateLike) -> WeaponId:
    """The next free weapon tag for this production."""
    return WeaponId(next_tag("W", state.weapons))


def next_lot_tag(state: _StateLike) -> LotId:
    """The next free ammunition lot tag for this production."""
    return LotId(next_tag("L", state.lots))


def next_container_tag(state: _StateLike) -> ContainerId:
    """The next free container tag for this production."""
    return ContainerId(next_tag("C", state.containers))


def next_incident_id(state: _StateLike) -> IncidentId:
    """The next incident number (``I-0001``); incidents are opened by the domain itself."""
    return IncidentId(next_tag("I", state.incidents))


PRODUCTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")


def is_production_id(value: str) -> bool:
    """2-64 lowercase letters, digits and hyphens, starting with a letter or digit."""
    return bool(PRODUCTION_ID.fullmatch(value))


def production_id_from(title: str) -> ProductionId:
    """A production id made from its title: 'Dry Gulch' → 'dry-gulch' (may be too short)."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return ProductionId(slug[:64].rstrip("-"))


_SHORT_TAG = re.compile(r"^(?P<prefix>[WLCI])?\s*-?\s*(?P<number>\d{1,12})$")


def normalise_tag(text: str, prefix: str) -> str:
    """What a person typed as a tag, as the tag: 'w-1', 'W1', '1' → 'W-0001' (prefix 'W').

    Text that is no short form of a ``prefix`` tag comes back stripped and upper-cased,
    so it is refused (or found) as typed.
    """
    typed = text.strip().upper()
    m = _SHORT_TAG.match(typed)
    if m is None or (m["prefix"] and m["prefix"] != prefix):
        return typed
    return f"{prefix}-{int(m['number']):04d}"
