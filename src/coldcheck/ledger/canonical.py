"""RFC 8785 JSON Canonicalization Scheme (JCS).

``canonical_json(value)`` turns a JSON-like Python value into the one byte
string RFC 8785 allows for it:

- objects (``dict`` with ``str`` keys) have their members sorted by the UTF-16
  code units of their keys, no whitespace anywhere;
- strings are escaped as ECMAScript ``JSON.stringify`` does (``\\"``, ``\\\\``,
  ``\\b \\t \\n \\f \\r``, other controls as ``\\u00xx``) and otherwise written
  as UTF-8; a lone surrogate is refused;
- numbers are written as ECMAScript ``Number.prototype.toString`` writes the
  IEEE 754 double: ``1.0`` → ``1``, ``1e21`` → ``1e+21``, ``-0.0`` → ``0``.
  NaN and ±Infinity are refused, and so is an ``int`` outside ±(2**53 − 1),
  which a double cannot hold exactly (RFC 8785 §3.2.2.3 / I-JSON, RFC 7493);
- ``list`` and ``tuple`` are arrays; ``True``/``False``/``None`` are literals.

Anything else raises :class:`~coldcheck.ledger.errors.CanonicalJsonError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

from coldcheck.ledger.errors import CanonicalJsonError

__all__ = ["MAX_SAFE_INTEGER", "canonical_json", "format_number"]

MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer a double holds exactly (ECMAScript ``Number.MAX_SAFE_INTEGER``)."""

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_ESCAPES = {chr(c): f"\\u{c:04x}" for c in range(0x20)} | _SHORT_ESCAPES
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
"""``_ESCAPES`` for ``str.translate``: every other character maps to itself."""
_MAX_DEPTH = 200


def canonical_json(value: object) -> bytes:
    """The RFC 8785 canonical JSON of ``value``, UTF-8 encoded."""
    parts: list[str] = []
    _write(value, parts, 0)
    text = "".join(parts)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalJsonError("string contains a lone surrogate") from None


def format_number(value: int | float) -> str:
    """ECMAScript ``Number.prototype.toString`` of ``value`` as an IEEE 754 double."""
    if isinstance(value, bool):
        raise CanonicalJsonError("a bool is not a number")
    if isinstance(value, int):
        if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            return str(value)
        raise CanonicalJsonError(
            f"integer {value} is outside ±(2**53-1) and cannot be represented exactly; "
            "send it as a string"
        )
    if not math.isfinite(value):
        raise CanonicalJsonError(f"{value!r} has no JSON representation")
    if value == 0:
        return "0"  # also -0.0
    sign = "-" if value < 0 else ""
    # repr() is the shortest string that round-trips, the same digits ECMAScript picks.
    _, digit_tuple, exp = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exp += len(digit_tuple) - len(digits)
    k = len(digits)
    n = k + exp  # value = 0.d1d2...dk × 10**n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def _utf16_key(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly like the sequence of code units.
    try:
        return key.encode("utf-16-be")
    except UnicodeEncodeError:
        raise CanonicalJsonError("object key contains a lone surrogate") from None


def _write_string(s: str, parts: list[str]) -> None:
    parts.append('"')
    parts.append(s.translate(_ESCAPE_TABLE))
    parts.append('"')


def _write(value: object, parts: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise CanonicalJsonError("value is nested too deeply")
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, str):
        _write_string(value, parts)
    elif isinstance(value, int | float):
        parts.append(format_number(value))
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalJsonError(f"object key {key!r} is not a string")
        parts.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                parts.append(",")
            _write_string(key, parts)
            parts.append(":")
            _write(value[key], parts, depth + 1)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for i, item in enumerate(value):
            if i:
                parts.append(",")
            _write(item, parts, depth + 1)
        parts.append("]")
    else:
        raise CanonicalJsonError(f"{type(value).__name__} is not a JSON value")
