"""The fast canonical JSON gives the pure RFC 8785 reference's bytes, or its error, always.

Every event type is built with hypothesis from the domain's own dataclasses
(strategies derived from their type hints) with hostile strings in every
text field and integers at and beyond the 2**53 bounds; ``encode_entry``
(the fast path) must equal the reference ``ledger.canonical.canonical_json``
of the same envelope, and the envelope must be one the fast path takes.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coldcheck.domain.events import EVENT_TYPES
from coldcheck.ledger.canonical import canonical_json as reference
from coldcheck.ledger.errors import CanonicalJsonError
from coldcheck.service.envelope import Channel, encode_entry, envelope
from coldcheck.service.fastjson import canonical_json as fast
from coldcheck.service.fastjson import is_plain

# Characters that an encoder gets wrong first: controls (short and \u00xx
# escapes), DEL, quote, backslash, slash, the JavaScript line separators,
# the BOM, both sides of the surrogate block, the private-use block whose
# UTF-16 order differs from its code point order, and supplementary planes.
HOSTILE = [
    "\x00", "\x01", "\x08", "\t", "\n", "\x0b", "\x0c", "\r", "\x1f", "\x7f", '"', "\\", "/",
    "\u0080", "\u00e9", "\u2028", "\u2029", "\u20ac", "\ud7ff", "\ue000", "\uf8ff", "\ufb33",
    "\ufeff", "\uffff", "\U00010000", "\U0001f600", "\u200d", "\U0001f52c", "\U0010ffff",
]  # fmt: skip
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]
SAFE_BOUND = 2**53 - 1

_char = st.characters() | st.sampled_from(HOSTILE)
_clean_text = st.text(_char, max_size=16)


def _maybe_lone_surrogate(pair: tuple[str, int, str]) -> str:
    text, k, bad = pair
    return text[:k] + bad + text[k:] if k < len(text) and k % 7 == 0 else text


# about one string in a dozen carries a lone surrogate somewhere (no canonical form)
hostile_text = st.tuples(_clean_text, st.integers(0, 40), st.sampled_from(LONE_SURROGATES)).map(
    _maybe_lone_surrogate
)
integers = st.integers(-SAFE_BOUND, SAFE_BOUND) | st.sampled_from(
    [0, -1, SAFE_BOUND, -SAFE_BOUND, 2**53, -(2**53), 2**53 + 1, 2**63, -(2**63) - 1, 2**64]
)
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=-6)), timezone(timedelta(hours=5, minutes=30))]
)
moments = st.datetimes(datetime(1970, 1, 2), datetime(2200, 1, 1), timezones=zones)


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """Values of the annotated type ``tp`` as the domain's dataclasses hold them."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([strategy_for(arg) for arg in typing.get_args(tp)])
    if origin is tuple:
        return st.lists(strategy_for(typing.get_args(tp)[0]), max_size=3).map(tuple)
    supertype = getattr(tp, "__supertype__", None)
    if supertype is not None:  # NewType ids
        return strategy_for(supertype)
    if tp is type(None):
        return st.none()
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if tp is datetime:
        return moments
    if tp is date:
        return st.dates(date(1970, 1, 1), date(2200, 1, 1))
    if tp is bool:
        return st.booleans()
    if tp is int:
        return integers
    if tp is str:
        return hostile_text
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return dataclass_strategy(tp)
    raise AssertionError(f"no strategy for {tp!r}: teach the test this field type")


def dataclass_strategy(cls: type[Any]) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: strategy_for(hints[f.name]) for f in dataclasses.fields(cls) if f.init}
    return st.builds(cls, **fields)


def same_as_reference(value: object, got: Any) -> None:
    """``got()`` returns the reference's bytes for ``value``, or raises its error."""
    try:
        want = reference(value)
    except CanonicalJsonError as exc:
        with pytest.raises(CanonicalJsonError, match=re.escape(str(exc))):
            got()
    else:
        assert got() == want


@pytest.mark.parametrize("type_name", sorted(EVENT_TYPES))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_every_event_type_is_encoded_byte_for_byte_as_the_reference_encodes_it(
    type_name: str, data: st.DataObject
) -> None:
    event = data.draw(dataclass_strategy(EVENT_TYPES[type_name]), label="event")
    seq = data.draw(integers, label="seq")
    env = envelope(seq, event, Channel.cli("mara"))
    assert is_plain(env), "an envelope must take the fast path, or this test proves nothing"
    same_as_reference(env, lambda: encode_entry(seq, event, Channel.cli("mara")))


# keys where UTF-16 and UTF-8 order part: BMP above the surrogates vs the supplementary planes
ordering_keys = st.text(
    st.sampled_from(["a", "\u20ac", "\ue000", "\ufb33", "\uffff", "\U00010000", "\U0001f600"]),
    max_size=3,
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | integers
    | st.floats()  # NaN and infinities included: both must refuse them
    | hostile_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(hostile_text | ordering_keys, children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_any_json_value_with_hostile_keys_and_values_is_encoded_as_the_reference_does(
    value: object,
) -> None:
    same_as_reference(value, lambda: fast(value))


def test_every_code_point_in_a_string_is_escaped_as_the_reference_escapes_it() -> None:
    chars = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]
    assert fast(chars) == reference(chars)
    assert fast("".join(chars)) == reference("".join(chars))
    assert is_plain(chars)


def test_every_ascii_key_takes_the_fast_path_and_sorts_as_the_reference_sorts() -> None:
    value = {chr(cp) * k: cp for cp in range(0x80) for k in (1, 2)}
    assert is_plain(value)
    assert fast(value) == reference(value)


def test_private_use_keys_sort_after_surrogate_pairs_as_utf16_asks() -> None:
    # UTF-16: U+1F600 is D83D DE00, below E000; UTF-8 (orjson's order) puts it last.
    value = {"\ue000": 1, "\U0001f600": 2, "\uffff": 3, "\U00010000": 4, "a": 5}
    expected = '{"a":5,"\U00010000":4,"\U0001f600":2,"\ue000":1,"\uffff":3}'.encode()
    assert fast(value) == reference(value) == expected
    assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) != expected  # why keys are checked
    assert not is_plain(value)


def test_rfc8785_examples_come_out_byte_for_byte() -> None:
    # RFC 8785 3.2.3 (key order) and 3.2.2 (string escapes), outputs as the RFC prints them.
    keys = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    sorted_keys = '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\U0001f600":5,"\ufb33":3}'
    assert fast(keys) == sorted_keys.encode()
    strings = {
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    escaped = '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert fast(strings) == escaped.encode()


@pytest.mark.parametrize("n", [SAFE_BOUND, -SAFE_BOUND, 0, -1])
def test_integers_up_to_two_to_the_53_minus_one_are_written_plainly(n: int) -> None:
    assert fast({"n": n}) == reference({"n": n}) == f'{{"n":{n}}}'.encode()


@pytest.mark.parametrize("n", [2**53, -(2**53), 2**63, -(2**64), 10**30])
def test_integers_a_double_cannot_hold_are_refused_as_the_reference_refuses_them(n: int) -> None:
    same_as_reference({"n": [n]}, lambda: fast({"n": [n]}))
    with pytest.raises(CanonicalJsonError, match="send it as a string"):
        fast({"n": [n]})


def test_floats_are_written_as_ecmascript_writes_them_not_as_orjson_does() -> None:
    value = [1.0, -0.0, 1e21, 1e-7, 0.1, 333333333.33333329]
    assert fast(value) == reference(value) == b"[1,0,1e+21,1e-7,0.1,333333333.3333333]"
    for bad in (float("nan"), float("inf")):
        with pytest.raises(CanonicalJsonError):
            fast([bad])


@pytest.mark.parametrize("bad", LONE_SURROGATES)
def test_lone_surrogates_in_values_and_keys_are_refused(bad: str) -> None:
    for value in ({"k": "a" + bad}, {bad: 1}, [bad * 40]):
        same_as_reference(value, lambda v=value: fast(v))  # type: ignore[misc]
        with pytest.raises(CanonicalJsonError, match="lone surrogate"):
            fast(value)


class Tag(str):
    pass


class Count(enum.IntEnum):
    ONE = 1


@pytest.mark.parametrize(
    "value",
    [
        {Tag("k"): "v"},
        {"k": Tag("v")},
        [Count.ONE],
        types.MappingProxyType({"b": 1, "a": 2}),
        {"a": {1: 2}},
        {"a": b"bytes"},
        {"a": {1, 2}},
        {"when": datetime(2026, 3, 14, tzinfo=UTC)},
    ],
    ids=["str-key-subclass", "str-subclass", "int-enum", "mappingproxy", "int-key", "bytes",
         "set", "datetime"],
)  # fmt: skip
def test_anything_but_plain_json_types_is_left_to_the_reference(value: object) -> None:
    assert not is_plain(value)
    same_as_reference(value, lambda: fast(value))


@pytest.mark.parametrize("depth", [1, 150, 189, 190, 199, 200, 201, 260])
def test_deep_nesting_gives_the_reference_bytes_or_its_error(depth: int) -> None:
    value: object = 1
    for _ in range(depth):
        value = [value]
    same_as_reference(value, lambda: fast(value))
