"""Events from their stored envelope, fast: a decoder compiled once per event class.

:func:`coldcheck.domain.codec.event_from_envelope` is the reference. For every field of
every event it asks ``typing`` what the field's type is and walks that type while it
converts the value (~50 µs an event). :func:`decode_event` takes the same arguments and
returns an equal event, or raises the same exception with the same message, for every
input: the walk over the types is done once per class, when the class is first met, and
leaves one small converter per field (a check of ``str``, an enum lookup, a tuple of
converted items, a nested dataclass decoder, ...). A type the compiler does not know is
converted by the reference function itself, so nothing new can go wrong there. For the
usual entry (the current version, every field in the payload) the class's decoder is then
written out as straight-line Python, as ``dataclasses`` writes an ``__init__``: each field
looked up by name, a ``str`` or ``int`` field's converter called only when the value is not
one, the event built field for field (about 1.5 µs less an event than a loop over the
converters); any other entry goes through the general decoder.

What each converter does, against ``codec._from_json``:

- ``X | None``: None for None, else ``X``'s converter (only the first non-None member
  counts, as in the reference);
- ``tuple[X, ...]``: a list of ``X`` (anything else is ``InvalidEvent``); a list of
  strings is checked in one ``str.join`` (which takes exactly the values the ``str``
  converter takes), and a list of dataclass objects read from strings only (an
  inspection's findings) is remembered whole, as each of its objects is;
- a ``NewType`` over ``X``: ``X``'s converter (calling a NewType returns its argument);
- an enum: the member whose value it is, looked up in the enum's own value map, and the
  enum's constructor (which raises the same ``ValueError``) when it is not there;
- ``datetime`` / ``date``: ``fromisoformat``;
- ``bool``, ``int``, ``str``, ``float``: the value when it is one (never a bool for the
  numbers), else ``InvalidEvent`` worded as the reference words it;
- a dataclass: an object of it, its fields converted, built by the class itself (or, with
  every field given, field for field); one read from strings only is remembered and shared.

:func:`event_refs` is :func:`coldcheck.domain.codec.event_refs` compiled the same way:
per class, the fields whose declared types can hold a weapon, lot, container, incident
or person id, and how to reach the ids in them (the others are never looked at).

Pure: standard library only.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar, Union

from coldcheck.domain.codec import _COMMON, REF_TYPES, _from_json, _hints, upcast
from coldcheck.domain.errors import InvalidEvent, UnknownEventType
from coldcheck.domain.events import EVENT_TYPES, Event
from coldcheck.domain.model import PasskeySignature

__all__ = ["decode_event", "decoder_for", "event_refs"]

Converter = Callable[[Any], Any]
T = TypeVar("T")

_NONE = type(None)


def _reference(tp: Any) -> Converter:
    def convert(value: Any) -> Any:
        return _from_json(value, tp)

    return convert


def _scalar(tp: type[Any]) -> Converter:
    if tp is bool:

        def boolean(value: Any) -> Any:
            if not isinstance(value, bool):
                raise InvalidEvent(f"expected true/false, got {value!r}")
            return value

        return boolean
    name = tp.__name__

    def scalar(value: Any) -> Any:
        if not isinstance(value, tp) or isinstance(value, bool):
            raise InvalidEvent(f"expected {name}, got {value!r}")
        return value

    return scalar


def _enum(tp: type[Enum]) -> Converter:
    members: dict[Any, Any] = tp._value2member_map_

    def enum(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):  # not a value of it (or unhashable): the enum says why
            return tp(value)

    return enum


def _tuple_of(item: Converter) -> Converter:
    def tuple_of(value: Any) -> Any:
        if not isinstance(value, list):
            raise InvalidEvent(f"expected a list, got {value!r}")
        return tuple(map(item, value))

    return tuple_of


def _tuple_of_str(item: Converter) -> Converter:
    """``_tuple_of(item)`` for ``item`` the ``str`` converter: ``str.join`` takes exactly
    the values that converter takes (every ``str``, nothing else), so a list it joins is
    the tuple as it is, and any other list goes item by item (and raises the same)."""
    join = "".join

    def tuple_of_str(value: Any) -> Any:
        if not isinstance(value, list):
            raise InvalidEvent(f"expected a list, got {value!r}")
        try:
            join(value)
        except TypeError:
            return tuple(map(item, value))
        return tuple(value)

    return tuple_of_str


def _tuple_of_values(item: Converter) -> Converter:
    """``_tuple_of(item)`` for ``item`` a dataclass decoder, with the whole tuple remembered
    as :func:`_dataclass` remembers each value: a list of objects read from strings only
    (an inspection's findings, a load's positions and lots) is the same tuple of the same
    frozen values, so it is built once and shared."""
    memo: dict[tuple[tuple[tuple[Any, Any], ...], ...], Any] = {}

    def tuple_of_values(value: Any) -> Any:
        if not isinstance(value, list):
            raise InvalidEvent(f"expected a list, got {value!r}")
        try:
            key = tuple([tuple(data.items()) for data in value if type(data) is dict])
            seen = memo.get(key) if len(key) == len(value) else None
        except TypeError:  # an unhashable value: never remembered
            return tuple(map(item, value))
        if seen is not None:
            return seen
        decoded = tuple(map(item, value))
        if len(key) == len(value) and len(memo) < _MEMO and _strings_only(key):
            memo[key] = decoded
        return decoded

    return tuple_of_values


def _strings_only(key: tuple[tuple[tuple[Any, Any], ...], ...]) -> bool:
    for items in key:
        for _, v in items:
            if type(v) is not str:
                return False
    return True


def _optional(inner: Converter) -> Converter:
    def optional(value: Any) -> Any:
        return None if value is None else inner(value)

    return optional


def _plain(cls: type[Any]) -> bool:
    """True when an object of ``cls`` with every field given is exactly its fields: a
    dataclass with no ``__post_init__``, no slots and no field left out of ``__init__``
    (then :func:`_filled` may build it without calling ``__init__``)."""
    return (
        not hasattr(cls, "__post_init__")
        and "__slots__" not in cls.__dict__
        and all(f.init for f in dataclasses.fields(cls))
    )


def _filled(cls: type[T]) -> Callable[[dict[str, Any]], T]:
    """Build a plain dataclass (see :func:`_plain`) from a value for every field, in field
    order: what ``cls(**fields)`` builds, without its one ``object.__setattr__`` per field."""
    new = object.__new__

    def build(fields: dict[str, Any]) -> T:
        obj: T = new(cls)
        obj.__dict__.update(fields)
        return obj

    return build


def _dataclass(cls: type[Any]) -> Converter:
    hints = _hints(cls)
    fields = [(f.name, converter(hints[f.name])) for f in dataclasses.fields(cls)]
    name = cls.__name__
    complete = len(fields)
    build = _filled(cls) if _plain(cls) else None
    memo: dict[tuple[tuple[Any, Any], ...], Any] = {}

    def decode(data: Any) -> Any:
        if not isinstance(data, dict):
            raise InvalidEvent(f"expected an object for {name}, got {data!r}")
        items = tuple(data.items())
        try:
            seen = memo.get(items)
        except TypeError:  # an unhashable value: never remembered
            seen = None
        if seen is not None:
            return seen
        kwargs = {key: conv(data[key]) for key, conv in fields if key in data}
        if build is not None and len(kwargs) == complete:
            value = build(kwargs)
            if len(memo) < _MEMO and all(type(v) is str for _, v in items):
                memo[items] = value
            return value
        try:  # a field left out: its default, or the class says which is missing
            return cls(**kwargs)
        except TypeError as exc:
            raise InvalidEvent(f"{name}: {exc}") from None

    return decode


_MEMO = 512
"""Nested values remembered per class: a frozen value read from the same strings (every
value a ``str``: the position and round of a finding, a load's position and lot) is the
same value, so it is built once and shared (how many of the same a log holds)."""

_CONVERTERS: dict[Any, Converter] = {}


def converter(tp: Any) -> Converter:
    """The converter of values of type ``tp`` (compiled on first use, then kept)."""
    try:
        return _CONVERTERS[tp]
    except KeyError:
        pass
    except TypeError:  # an unhashable type form: compiled each time
        return _compile(tp)
    conv = _CONVERTERS[tp] = _compile(tp)
    return conv


def _compile(tp: Any) -> Converter:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not _NONE]
        if not rest:
            return _reference(tp)
        inner = converter(rest[0])
        return _optional(inner) if _NONE in args else inner
    if origin is tuple:
        args = typing.get_args(tp)
        if not args:
            return _reference(tp)
        item = converter(args[0])
        if item is converter(str):
            return _tuple_of_str(item)
        if isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
            return _tuple_of_values(item)
        return _tuple_of(item)
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:
        return converter(supertype)
    if isinstance(tp, type):
        if issubclass(tp, Enum):
            return _enum(tp)
        if issubclass(tp, datetime):
            return datetime.fromisoformat if tp is datetime else _reference(tp)
        if issubclass(tp, date):
            return date.fromisoformat if tp is date else _reference(tp)
        if dataclasses.is_dataclass(tp):
            return _dataclass(tp)
        if tp in (bool, int, str, float):
            return _scalar(tp)
    return _reference(tp)


_SIGNATURES = tuple[PasskeySignature, ...]

EventDecoder = Callable[[Any, Any, Any, Any, Any, Any, Any], Event]


def _event_decoder(cls: type[Event]) -> EventDecoder:
    hints = _hints(cls)
    own = [
        (f.name, converter(hints[f.name]), f.default is dataclasses.MISSING)
        for f in dataclasses.fields(cls)
        if f.name not in _COMMON
    ]
    type_name, current = cls.type_name, cls.version
    signatures_of = converter(_SIGNATURES)
    fromisoformat = datetime.fromisoformat
    complete = len(own) + len(_COMMON)
    no_signatures = next(f.default for f in dataclasses.fields(cls) if f.name == "signatures")
    build = _filled(cls) if _plain(cls) else None
    pairs = [(name, conv) for name, conv, _ in own]
    names = [name for name, _, _ in own]

    def decode(
        version: Any,
        production: Any,
        at: Any,
        by: Any,
        witnesses: Any,
        payload: Any,
        signatures: Any,
    ) -> Event:
        if version == current:  # upcast() would hand the payload back as it is
            data = payload if type(payload) is dict else dict(payload)
        else:
            data = dict(upcast(type_name, version, dict(payload)))
        kwargs: dict[str, Any] = {
            "production": production,
            "at": fromisoformat(at),
            "by": by,
            "witnesses": tuple(witnesses),
            "signatures": signatures_of(signatures) if signatures else no_signatures,
        }
        try:  # every field given (the usual entry): converted in field order, in one go
            values = [conv(data[name]) for name, conv in pairs]
        except KeyError:  # one left out (or a converter's own KeyError): field by field
            pass
        else:
            kwargs.update(zip(names, values, strict=True))
            if build is not None:
                return build(kwargs)
            whole: Event = cls(**kwargs)
            return whole
        for name, conv, required in own:
            if name in data:
                kwargs[name] = conv(data[name])
            elif required:
                raise InvalidEvent(f"{type_name}: payload lacks {name!r}")
        if build is not None and len(kwargs) == complete:
            return build(kwargs)
        event: Event = cls(**kwargs)  # a field left out: its default
        return event

    if build is None:
        return decode
    fields = [(name, hints[name], conv) for name, conv, _ in own]
    common = {"signatures_of": signatures_of, "no_signatures": no_signatures}
    return _straight(cls, fields, common, decode)


def _inline_check(tp: Any, conv: Converter, v: str) -> str | None:
    """The test under which a value of declared type ``tp`` is already what ``conv``
    returns (a ``str`` for a ``str`` field: the value itself), as Python source over the
    variable ``v``, so the converter is called only when it fails; None: always call it."""
    plain = {converter(str): "str", converter(int): "int"}
    kind = plain.get(conv)
    if kind is not None:
        return f"type({v}) is {kind}"  # a bool is not an int here, as in _scalar
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not _NONE]
        if _NONE in args and rest:
            kind = plain.get(converter(rest[0]))
            if kind is not None:
                return f"{v} is None or type({v}) is {kind}"
    return None


def _straight(
    cls: type[Event],
    fields: list[tuple[str, Any, Converter]],
    common: dict[str, Any],
    general: EventDecoder,
) -> EventDecoder:
    """The decoder of ``general`` for the usual entry (the current version, a payload
    object with every field), written out for ``cls`` as straight-line Python, the way
    ``dataclasses`` writes ``__init__``: every field looked up, each converter called only
    where the value is not already what it returns, the event built field for field in the
    same order. Anything else (an old version, a field left out) goes to ``general``,
    which also raises each error as the reference does. ``common``: general's own
    ``signatures_of`` and ``no_signatures``."""
    env: dict[str, Any] = {
        **common,
        "general": general,
        "new": object.__new__,
        "cls": cls,
        "current": cls.version,
        "fromisoformat": datetime.fromisoformat,
    }
    args = "version, production, at, by, witnesses, payload, signatures"
    lines = [
        f"def decode({args}):",
        "    if version != current or type(payload) is not dict:",
        f"        return general({args})",
        # the common fields first, as general converts them (its arguments kept for it)
        "    when = fromisoformat(at)",
        "    seen_by = tuple(witnesses)",
        "    signed = signatures_of(signatures) if signatures else no_signatures",
    ]
    if fields:
        lines.append("    try:")
        lines += [f"        v{i} = payload[{name!r}]" for i, (name, _, _) in enumerate(fields)]
        lines += ["    except KeyError:", f"        return general({args})"]
    for i, (_, tp, conv) in enumerate(fields):
        env[f"c{i}"] = conv
        check = _inline_check(tp, conv, f"v{i}")
        if check is None:
            lines.append(f"    v{i} = c{i}(v{i})")
        else:
            lines.append(f"    if not ({check}):")
            lines.append(f"        v{i} = c{i}(v{i})")
    values = ", ".join(f"{name!r}: v{i}" for i, (name, _, _) in enumerate(fields))
    lines += [
        "    event = new(cls)",
        "    event.__dict__.update({'production': production, 'at': when, 'by': by,"
        f" 'witnesses': seen_by, 'signatures': signed, {values}}})",
        "    return event",
    ]
    exec(compile("\n".join(lines), f"<decoder of {cls.__name__}>", "exec"), env)
    decode: EventDecoder = env["decode"]
    return decode


_DECODERS: dict[str, EventDecoder] = {}


def decoder_for(type_name: str) -> EventDecoder:
    """The compiled decoder of one event type (``UnknownEventType`` for a name not in the
    catalogue)."""
    decode = _DECODERS.get(type_name)
    if decode is None:
        cls = EVENT_TYPES.get(type_name)
        if cls is None:
            raise UnknownEventType(type_name)
        decode = _DECODERS[type_name] = _event_decoder(cls)
    return decode


def decode_event(
    type_name: str,
    version: int,
    production: str,
    at: str,
    by: str | None,
    witnesses: list[str],
    payload: dict[str, Any],
    signatures: list[Any] | None = None,
) -> Event:
    """:func:`coldcheck.domain.codec.event_from_envelope`, compiled: the same event (or the
    same error) for the same stored envelope."""
    return decoder_for(type_name)(version, production, at, by, witnesses, payload, signatures)


# -- what an event concerns, compiled ---------------------------------------------

Collector = Callable[[Any, list[Any]], None]
"""Appends to the list the typed ids in a value of one declared type."""


def _collector(tp: Any) -> Collector | None:
    """How to find the ids in a value of type ``tp`` (None: it can hold none), as
    ``codec._ids_in`` finds them."""
    if tp in REF_TYPES:

        def ref(value: Any, out: list[Any]) -> None:
            if value is not None:
                out.append(value)

        return ref
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        members = [c for a in typing.get_args(tp) if a is not _NONE if (c := _collector(a))]
        if not members:
            return None

        def union(value: Any, out: list[Any]) -> None:
            if value is not None:
                for collect in members:
                    collect(value, out)

        return union
    if origin in (tuple, list, frozenset, set):
        item = _collector(typing.get_args(tp)[0])
        if item is None:
            return None

        def each(value: Any, out: list[Any]) -> None:
            if value is not None:
                for v in value:
                    item(v, out)

        return each
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        fields = [(f.name, c) for f in dataclasses.fields(tp) if (c := _collector(hints[f.name]))]
        if not fields:
            return None

        def nested(value: Any, out: list[Any]) -> None:
            if value is not None:
                for name, collect in fields:
                    collect(getattr(value, name), out)

        return nested
    return None


_REFS: dict[type[Any], Callable[[Event], frozenset[str]]] = {}


def _refs_of(cls: type[Event]) -> Callable[[Event], frozenset[str]]:
    hints = _hints(cls)
    fields = [
        (f.name, c)
        for f in dataclasses.fields(cls)
        if f.name not in _COMMON
        if (c := _collector(hints[f.name]))
    ]

    def refs(e: Event) -> frozenset[str]:
        out: list[Any] = list(e.witnesses)
        if e.by:
            out.append(e.by)
        for name, collect in fields:
            collect(getattr(e, name), out)
        return frozenset(out)

    return refs


def event_refs(e: Event) -> frozenset[str]:
    """:func:`coldcheck.domain.codec.event_refs`, compiled once per event class."""
    cls = type(e)
    refs = _REFS.get(cls)
    if refs is None:
        refs = _REFS[cls] = _refs_of(cls)
    return refs(e)
