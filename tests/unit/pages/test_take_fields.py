"""The take-context fields of the firearm screens become the command's TakeContext."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from coldcheck.domain.model import TakeContext
from coldcheck.entrypoints.pages.common import take_context


def test_nothing_typed_is_no_context():
    assert take_context(FormData([("weapon", "W-0001")])) is None


def test_typed_fields_become_the_take_context():
    form = FormData(
        [
            ("take_scene", " 41 "),
            ("take_setup", "41A"),
            ("take_number", "3"),
            ("take_rehearsal", "yes"),
        ]
    )
    assert take_context(form) == TakeContext(scene="41", setup="41A", take=3, rehearsal=True)
    no = FormData([("take_rehearsal", "no")])
    assert take_context(no) == TakeContext(rehearsal=False)


def test_a_load_takes_its_scene_from_its_own_field_not_the_take_fields():
    form = FormData([("take_scene", "44"), ("take_number", "2")])
    assert take_context(form, with_scene=False) == TakeContext(take=2)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("take_number", "three", "in digits"), ("take_rehearsal", "maybe", "yes or no")],
)
def test_a_take_number_or_rehearsal_answer_that_cannot_be_read_is_refused(field, value, words):
    with pytest.raises(ValueError, match=words):
        take_context(FormData([(field, value)]))
