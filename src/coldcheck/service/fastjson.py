"""RFC 8785 canonical JSON through orjson, byte for byte the reference's.

``canonical_json(value)`` returns exactly what the pure reference,
:func:`coldcheck.ledger.canonical.canonical_json`, returns for ``value`` (or
raises the same :class:`~coldcheck.ledger.errors.CanonicalJsonError`), much
faster on coldcheck's ledger envelopes (``make bench`` measures by how much).
The reference stays the definition; this module only takes a shortcut where
the two agree.

orjson (``OPT_SORT_KEYS | OPT_STRICT_INTEGER``) writes what RFC 8785 asks for
on the values :func:`is_plain` accepts:

- members sorted by the UTF-8 bytes of their keys, which for ASCII keys is
  the UTF-16 code-unit order of RFC 8785 §3.2.3 (the two orders part only
  between U+E000-U+FFFF and the supplementary planes);
- strings escaped as ECMAScript's ``JSON.stringify`` does: ``\\"``, ``\\\\``,
  ``\\b \\t \\n \\f \\r``, the other controls as lowercase ``\\u00xx``, and
  everything else (U+007F, U+2028/9, emoji, ...) as raw UTF-8; this holds for
  every code point (tests/unit/service/test_fastjson.py checks them all);
- integers within ±(2**53 - 1) as decimal digits; beyond that orjson refuses,
  as the reference does;
- ``true``, ``false``, ``null``, arrays for lists and tuples, no whitespace.

Everything else goes to the reference: floats (orjson writes ``1.0`` and NaN
as ``null``), non-ASCII keys, subclasses of str/int/dict/list, other
mappings, nesting deeper than :data:`_MAX_DEPTH`, and whatever orjson
refuses (lone surrogates, integers out of range), so an input the fast path
cannot get right gets the reference's bytes or the reference's error.
"""

from __future__ import annotations

import orjson

from coldcheck.ledger.canonical import canonical_json as reference_canonical_json

__all__ = ["canonical_json", "is_plain"]

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
_MAX_DEPTH = 190
"""Containers nested deeper than this go to the reference (its limit is 200, orjson's 255)."""


def canonical_json(value: object) -> bytes:
    """The RFC 8785 canonical JSON of ``value``, UTF-8: the reference's bytes, faster."""
    if is_plain(value):
        try:
            return orjson.dumps(value, option=_OPTIONS)
        except orjson.JSONEncodeError:
            pass  # lone surrogate, integer beyond 2**53 - 1: the reference says what is wrong
    return reference_canonical_json(value)


def is_plain(value: object) -> bool:
    """True when orjson's output for ``value`` is the canonical one (see the module docstring).

    Every container exactly ``dict``, ``list`` or ``tuple`` (nested at most
    :data:`_MAX_DEPTH` deep), every key an ASCII ``str``, every scalar exactly
    ``str``, ``int``, ``bool`` or ``None``. Strings and integer ranges are not
    looked at here: orjson refuses what it cannot write canonically.
    """
    return _plain(value, 0)


def _plain(value: object, depth: int) -> bool:
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return True
    if depth >= _MAX_DEPTH:
        return False
    if isinstance(value, dict):
        if t is not dict:
            return False
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                return False
            ti = type(item)
            if not (ti is str or ti is int or ti is bool or item is None) and not _plain(
                item, depth + 1
            ):
                return False
        return True
    if isinstance(value, list | tuple):
        if t is not list and t is not tuple:
            return False
        for item in value:
            ti = type(item)
            if not (ti is str or ti is int or ti is bool or item is None) and not _plain(
                item, depth + 1
            ):
                return False
        return True
    return False
