"""Events to and from their stored JSON form, upcasters, and what an event concerns.

Stored form (STYLE.md #8): ``(type_name, version, production, at, by,
witnesses, payload)``.  :func:`event_payload` gives the payload (JSON-safe,
deterministic); :func:`event_from_envelope` is its inverse and lifts old
payload versions through :data:`UPCASTERS` first.  :func:`event_refs` names
the weapons, lots, containers, incidents and people an event concerns, read
from the typed ids its fields declare (never guessed from its text).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeAlias, Union

from coldcheck.domain.errors import InvalidEvent, UnknownEventType
from coldcheck.domain.events import EVENT_TYPES, Event
from coldcheck.domain.ids import (
    ContainerId,
    IncidentId,
    LotId,
    PersonId,
    ProductionId,
    WeaponId,
)
from coldcheck.domain.model import PasskeySignature

JSON: TypeAlias = str | int | float | bool | list["JSON"] | dict[str, "JSON"] | None


Payload: TypeAlias = dict[str, JSON]


Upcaster: TypeAlias = Callable[[Payload], Payload]


def _handed_over_v1(payload: Payload) -> Payload:
    """v1 → v2: who took custody as an armorer was not recorded; None keeps the old reading."""
    return {**payload, "as_armorer": None}


def _incident_opened_v1(payload: Payload) -> Payload:
    """v1 → v2: the one weapon becomes the list of weapons; no scene or people were named."""
    weapon = payload.get("weapon")
    return {**payload, "weapons": [weapon] if weapon else [], "scene": None, "people": []}


def _stop_work_lifted_v1(payload: Payload) -> Payload:
    """v1 → v2: nothing was carried over."""
    return {**payload, "carried_over": [], "reason": ""}


def _no_context(payload: Payload) -> Payload:
    """→ issue 18: no scene, setup, take or rehearsal was recorded (None says so)."""
    return {**payload, "context": None}


def _loaded_v1(payload: Payload) -> Payload:
    """v1 → v2: no take context and no authorising meeting were recorded."""
    return {**payload, "context": None, "meeting": None}


def _training_v1(payload: Payload) -> Payload:
    """v1 → v2: no course, date or expiry was recorded."""
    return {**payload, "course": "", "trained_on": None, "expires": None}


def _correction_v1(payload: Payload) -> Payload:
    """v1 → v2: a correction said what was wrong in words only: no corrected values, and
    the corrected entry's type and subject were not copied (read them from ``corrects``)."""
    return {**payload, "of_type": "", "subject": "", "changes": []}


def _registered_v1(payload: Payload) -> Payload:
    """v1 → v2 (the bound book): no importer, country, type or acquisition was recorded."""
    return {**payload, "importer": "", "country": "", "firearm_type": "", "acquisition": None}


def _retired_v1(payload: Payload) -> Payload:
    """v1 → v2 (the bound book): no disposition was recorded (None says so)."""
    return {**payload, "disposition": None}


def _mechanism_v2(payload: Payload) -> Payload:
    """v2 → v3 (R25): no open bolt, slam-fire, drop safety or decocker was recorded."""
    return {
        **payload,
        "open_bolt": False,
        "slam_fire": False,
        "drop_safety": False,
        "decocker": False,
    }


def _inspected_v1(payload: Payload) -> Payload:
    """v1 → v2 (R25): neither the bolt nor the blank-firing adapter was recorded."""
    return {**payload, "bolt": None, "adapter_fitted": None}


def _loaded_v2(payload: Payload) -> Payload:
    """v2 → v3 (R25): no semi-automatic hammer and no bolt position were recorded."""
    return {**payload, "hammer": None, "bolt": None}


#: ``(type_name, version) -> function`` lifting a payload of that version to version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    ("WeaponHandedOver", 1): _handed_over_v1,
    ("IncidentOpened", 1): _incident_opened_v1,
    ("StopWorkLifted", 1): _stop_work_lifted_v1,
    ("WeaponHandedOver", 2): _no_context,
    ("WeaponLoaded", 1): _loaded_v1,
    ("WeaponTakenBack", 1): _no_context,
    ("BlanksFired", 1): _no_context,
    ("MisfireRecorded", 1): _no_context,
    ("UnplannedDischargeRecorded", 1): _no_context,
    ("IncidentOpened", 2): _no_context,
    ("TrainingRecorded", 1): _training_v1,
    ("WeaponRegistered", 1): _registered_v1,
    ("WeaponRetired", 1): _retired_v1,
    ("CorrectionRecorded", 1): _correction_v1,
    ("WeaponRegistered", 2): _mechanism_v2,
    ("InspectionRecorded", 1): _inspected_v1,
    ("WeaponLoaded", 2): _loaded_v2,
}


_COMMON = frozenset({"production", "at", "by", "witnesses", "signatures"})


def to_json(value: object) -> JSON:
    """A JSON-safe form of a domain value (datetimes ISO 8601, enums by value, tuples as lists)."""
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, Enum):
            return to_json(value.value)
        return value
    if isinstance(value, Enum):
        return to_json(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidEvent(f"naive datetime {value!r} cannot be stored; use UTC")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted((to_json(v) for v in value), key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in sorted(value.items())}
    raise InvalidEvent(f"cannot store {type(value).__name__} as JSON")


def event_payload(e: Event) -> Payload:
    """The event's own fields (all but production/at/by/witnesses), JSON-safe."""
    return {
        f.name: to_json(getattr(e, f.name)) for f in dataclasses.fields(e) if f.name not in _COMMON
    }


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    """``typing.get_type_hints(cls)``, resolved once per class (it compiles every
    string annotation on each call: ~1 ms per event before this cache)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _from_json(value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            return _from_json(value, arg)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise InvalidEvent(f"expected a list, got {value!r}")
        return tuple(_from_json(v, args[0]) for v in value)
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:
        return tp(_from_json(value, supertype))
    if isinstance(tp, type):
        if issubclass(tp, Enum):
            return tp(value)
        if issubclass(tp, datetime):
            return datetime.fromisoformat(value)
        if issubclass(tp, date):
            return date.fromisoformat(value)
        if dataclasses.is_dataclass(tp):
            return _dataclass_from_json(tp, value)
        if tp is bool:
            if not isinstance(value, bool):
                raise InvalidEvent(f"expected true/false, got {value!r}")
            return value
        if tp in (int, str, float):
            if not isinstance(value, tp) or isinstance(value, bool):
                raise InvalidEvent(f"expected {tp.__name__}, got {value!r}")
            return value
    raise InvalidEvent(f"cannot decode {value!r} as {tp!r}")


def _dataclass_from_json(cls: type[Any], data: Any) -> Any:
    if not isinstance(data, dict):
        raise InvalidEvent(f"expected an object for {cls.__name__}, got {data!r}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _from_json(data[f.name], hints[f.name])
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise InvalidEvent(f"{cls.__name__}: {exc}") from None


def upcast(type_name: str, version: int, payload: Payload) -> Payload:
    """Lift a payload from ``version`` to the event type's current version."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownEventType(type_name)
    while version < cls.version:
        step = UPCASTERS.get((type_name, version))
        if step is None:
            raise InvalidEvent(f"no upcaster for {type_name} v{version}")
        payload = step(payload)
        version += 1
    if version > cls.version:
        raise InvalidEvent(f"{type_name} v{version} is newer than this code (v{cls.version})")
    return payload


def event_from_envelope(
    type_name: str,
    version: int,
    production: str,
    at: str,
    by: str | None,
    witnesses: list[str],
    payload: Payload,
    signatures: list[Any] | None = None,
) -> Event:
    """Rebuild an event from its stored envelope (inverse of :func:`event_payload`)."""
    cls = EVENT_TYPES.get(type_name)
    if cls is None:
        raise UnknownEventType(type_name)
    data = dict(upcast(type_name, version, dict(payload)))
    hints = _hints(cls)
    kwargs: dict[str, Any] = {
        "production": ProductionId(production),
        "at": datetime.fromisoformat(at),
        "by": None if by is None else PersonId(by),
        "witnesses": tuple(PersonId(w) for w in witnesses),
    }
    if signatures:
        kwargs["signatures"] = _from_json(signatures, tuple[PasskeySignature, ...])
    for f in dataclasses.fields(cls):
        if f.name in _COMMON:
            continue
        if f.name not in data:
            if f.default is not dataclasses.MISSING:
                continue
            raise InvalidEvent(f"{type_name}: payload lacks {f.name!r}")
        kwargs[f.name] = _from_json(data[f.name], hints[f.name])
    event: Event = cls(**kwargs)
    return event


# -- what an event concerns --------------------------------------------------------

#: The id types a timeline or an evidence bundle can be asked about.
REF_TYPES: frozenset[Any] = frozenset({WeaponId, LotId, ContainerId, IncidentId, PersonId})


def event_refs(e: Event) -> frozenset[str]:
    """The weapons, lots, containers, incidents and people ``e`` concerns.

    Read from the declared types of its fields (and of the values nested in
    them): a ``WeaponId`` field names a weapon, a free-text note that happens
    to contain "W-0001" names nothing.  ``by`` and ``witnesses`` are people.
    """
    return frozenset(value for _, value in _typed_refs(e))


def refs_by_type(e: Event) -> dict[Any, tuple[str, ...]]:
    """:func:`event_refs` sorted by id type (``WeaponId``, ``LotId``, ... ``PersonId``)."""
    found: dict[Any, set[str]] = {tp: set() for tp in REF_TYPES}
    for tp, value in _typed_refs(e):
        found[tp].add(value)
    return {tp: tuple(sorted(values)) for tp, values in found.items()}


def _typed_refs(e: Event) -> Iterator[tuple[Any, str]]:
    for w in e.witnesses:
        yield PersonId, w
    if e.by:
        yield PersonId, e.by
    hints = _hints(type(e))
    for f in dataclasses.fields(e):
        if f.name not in _COMMON:
            yield from _ids_in(getattr(e, f.name), hints[f.name])


def _ids_in(value: Any, tp: Any) -> Iterator[tuple[Any, str]]:
    if value is None:
        return
    if tp in REF_TYPES:
        yield tp, value
        return
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                yield from _ids_in(value, arg)
        return
    if origin in (tuple, list, frozenset, set):
        (item, *_) = typing.get_args(tp)
        for v in value:
            yield from _ids_in(v, item)
        return
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        for f in dataclasses.fields(tp):
            yield from _ids_in(getattr(value, f.name), hints[f.name])
