"""The quick look at a JSON body before its full check says exactly what the full check says.

``_unstorable_json`` parses a body only when it holds a mark of what the ledger cannot store
(a surrogate escape or a surrogate's own bytes, 16 digits in a row) or is not UTF-8; these
tests hold it to the full parse on hostile and random bodies.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coldcheck.entrypoints.http import _unstorable_json, _unstorable_parsed

HOSTILE = [
    b'{"name": "\\ud800"}',
    b'{"name": "\\uDFFF"}',
    b'{"name": "a\\udc00b"}',
    b'{"name": "\xed\xa0\x80"}',  # a surrogate's own UTF-8 bytes (json.loads passes them)
    b'{"n": 9007199254740992}',
    b'{"n": -9007199254740993}',
    b'{"n": [1, 2, 12345678901234567890]}',
    '{"name": "\\ud800"}'.encode("utf-16"),
    '{"n": 9007199254740992}'.encode("utf-32-le"),
    b'\xef\xbb\xbf{"name": "\\ud83d"}',  # UTF-8 with a byte-order mark
]
STORABLE = [
    b'{"name": "\\\\ud800"}',  # an escaped backslash, then the letters u d 8 0 0
    b'{"name": "\\ud83d\\ude00"}',  # a pair: one astral character
    b'{"n": 9007199254740991, "s": "12345678901234567890"}',
    b'{"name": "\xf0\x9f\x98\x80 \xe2\x82\xac"}',
    b"not json at all",
    b"",
]


@pytest.mark.parametrize("body", HOSTILE + STORABLE)
def test_the_quick_look_says_what_the_full_check_says(body: bytes) -> None:
    assert _unstorable_json(body) == _unstorable_parsed(body)


@pytest.mark.parametrize("body", HOSTILE)
def test_every_hostile_body_is_found(body: bytes) -> None:
    assert _unstorable_json(body) is not None


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=()), max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans(), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_on_any_json_value_the_quick_look_agrees_with_the_full_check(
    value: object, ascii_only: bool, encoding: str
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    body = text.encode(encoding, "surrogatepass")
    assert _unstorable_json(body) == _unstorable_parsed(body)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=64))
def test_on_any_bytes_the_quick_look_agrees_with_the_full_check(body: bytes) -> None:
    assert _unstorable_json(body) == _unstorable_parsed(body)
