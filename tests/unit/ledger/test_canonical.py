"""RFC 8785 canonical JSON, against the RFC's own examples and node's JSON.stringify."""

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coldcheck.ledger.canonical import canonical_json, format_number
from coldcheck.ledger.errors import CanonicalJsonError


def test_rfc8785_section_3_2_2_example_is_reproduced_byte_for_byte() -> None:
    # RFC 8785 §3.2.2: the input object and its canonical output, verbatim.
    value = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


def test_rfc8785_section_3_2_3_sorts_keys_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33,
    # although its code point is larger; the RFC lists this exact output.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


# RFC 8785 Appendix B: IEEE 754 bit pattern -> canonical text. The same
# strings come out of node:
#   node -e 'console.log(JSON.stringify(Buffer.from(HEX,"hex").readDoubleBE(0)))'
RFC8785_APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),  # minus zero
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), RFC8785_APPENDIX_B)
def test_numbers_are_written_as_ecmascript_writes_doubles(bits: str, text: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical_json(value) == text.encode("ascii")


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinity_are_refused(bits: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    with pytest.raises(CanonicalJsonError):
        canonical_json([value])


def test_integers_are_written_plainly_within_the_safe_range() -> None:
    expected = b"[0,-1,9007199254740991,-9007199254740991]"
    assert canonical_json([0, -1, 2**53 - 1, -(2**53 - 1)]) == expected


def test_integers_a_double_cannot_hold_exactly_are_refused() -> None:
    with pytest.raises(CanonicalJsonError):
        canonical_json(2**53)


def test_integral_floats_lose_their_fraction_as_in_ecmascript() -> None:
    expected = b"[1,-2,100,100000000000000000000,1e+21]"
    assert canonical_json([1.0, -2.0, 100.0, 1e20, 1e21]) == expected


def test_control_characters_use_short_or_lowercase_unicode_escapes() -> None:
    assert canonical_json("\b\t\n\f\r\x00\x1f\x7f") == b'"\\b\\t\\n\\f\\r\\u0000\\u001f\x7f"'


def test_non_ascii_is_written_as_utf8_not_escaped() -> None:
    assert canonical_json("é\u2028") == '"é\u2028"'.encode()


@pytest.mark.parametrize(
    "bad",
    [{1: "x"}, "\ud800", {"\udc00": 1}, b"bytes", {1, 2}, object()],
    ids=["int key", "lone surrogate", "lone surrogate key", "bytes", "set", "object"],
)
def test_values_without_a_canonical_form_are_refused(bad: object) -> None:
    with pytest.raises(CanonicalJsonError):
        canonical_json(bad)


def test_canonical_json_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        canonical_json(float("nan"))


def test_bools_are_literals_not_numbers() -> None:
    assert canonical_json({"a": True, "b": False, "c": None}) == b'{"a":true,"b":false,"c":null}'
    with pytest.raises(CanonicalJsonError):
        format_number(True)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def _parse_number(text: str) -> int | float:
    # ECMAScript writes big doubles without an exponent ("24854623407498750");
    # read those back as the double they came from.
    n = int(text)
    return n if abs(n) <= 2**53 else float(n)


@given(json_values)
def test_canonical_json_parses_back_to_an_equal_value(value: object) -> None:
    assert json.loads(canonical_json(value), parse_int=_parse_number) == value


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_double_round_trips_through_its_text(value: float) -> None:
    assert float(format_number(value)) == value
