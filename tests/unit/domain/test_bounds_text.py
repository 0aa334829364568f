"""The one-line and plain-text checks of command fields: the ASCII shortcut says exactly
what the character-by-character definition (Unicode categories) says."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from coldcheck.domain import commands as c
from coldcheck.domain.bounds import _is_clean_line, _is_clean_text, out_of_bounds
from coldcheck.domain.ids import PersonId, ProductionId

_AT = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def _line_by_definition(value: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value)


def _text_by_definition(value: str) -> bool:
    return not any(
        (unicodedata.category(ch) == "Cc" and ch not in "\n\t") or ch == "\x00" for ch in value
    )


def test_every_ascii_character_alone_is_judged_as_the_definition_judges_it() -> None:
    for code in range(128):
        ch = chr(code)
        assert _is_clean_line(ch) is _line_by_definition(ch), hex(code)
        assert _is_clean_text(ch) is _text_by_definition(ch), hex(code)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_any_ascii_text_is_judged_as_the_definition_judges_it(value: str) -> None:
    assert _is_clean_line(value) is _line_by_definition(value)
    assert _is_clean_text(value) is _text_by_definition(value)


@given(st.text())
def test_any_text_is_judged_as_the_definition_judges_it(value: str) -> None:
    assert _is_clean_line(value) is _line_by_definition(value)
    assert _is_clean_text(value) is _text_by_definition(value)


def _box(label: str) -> c.CreateContainer:
    return c.CreateContainer(
        production=ProductionId("p"), actor=PersonId("mara"), at=_AT, container="C-1", label=label
    )


def _correction(reason: str) -> c.Correct:
    return c.Correct(
        production=ProductionId("p"), actor=PersonId("mara"), at=_AT, corrects=1, reason=reason
    )


def test_a_label_with_a_tab_a_delete_or_a_line_separator_is_refused_as_not_one_line() -> None:
    for bad in ("box\tone", "box\x7fone", "box\u2028one", "box\none"):
        assert list(out_of_bounds(_box(bad))) == ["label must be one line of text."], repr(bad)
    assert list(out_of_bounds(_box("spare dummies, café"))) == []


def test_a_reason_may_hold_tabs_and_new_lines_but_no_other_control_character() -> None:
    assert list(out_of_bounds(_correction("first line\n\tsecond"))) == []
    for bad in ("nul\x00", "bell\x07", "delete\x7f", "c1\x85"):
        assert list(out_of_bounds(_correction(bad))) == [
            "reason holds control characters — type plain text."
        ], repr(bad)
