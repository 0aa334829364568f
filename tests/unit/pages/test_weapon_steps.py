"""The weapon page offers the next sensible steps to those who may take them; the hazard
colour follows the worst fact (a quarantined weapon with a live round is never green)."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain.errors import Refusal
from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import BoreFinding, Finding, Role
from coldcheck.domain.status import weapon_status
from coldcheck.entrypoints.pages.steps import hazard, next_steps
from coldcheck.service.permissions import COMMAND_ROLES, may_ask
from tests.factories import MARA, W1, dry_gulch

ARMORER = frozenset(k.__name__ for k in COMMAND_ROLES if may_ask({Role.ARMORER}, k))
PERFORMER = frozenset(k.__name__ for k in COMMAND_ROLES if may_ask({Role.PERFORMER}, k))


def test_in_storage_an_armorer_takes_it_out_and_a_performer_is_offered_nothing_but_a_report():
    s = dry_gulch()
    st = weapon_status(s.state, W1)
    steps = next_steps(st, ARMORER)
    assert steps.primary == "take-out" and "take-out" in steps.offered
    assert next_steps(st, PERFORMER).offered == {"discharge"}


def test_after_taking_it_out_the_next_step_is_the_inspection_then_the_handover():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)
    st = weapon_status(s.state, W1)
    steps = next_steps(st, ARMORER)
    assert steps.primary == "inspect" and "hand-over" not in steps.offered
    assert not isinstance(s.inspect(W1, MARA), Refusal)
    steps = next_steps(weapon_status(s.state, W1), ARMORER)
    assert steps.primary == "hand-over" and {"load", "return", "bore"} <= steps.offered
    assert hazard(weapon_status(s.state, W1)) == "cold"


def test_a_quarantined_weapon_with_a_live_round_is_danger_never_cold():
    s = dry_gulch()
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)
    findings = tuple(
        Finding(f"chamber {i}", RoundState.LIVE if i == 3 else RoundState.EMPTY)
        for i in range(1, 7)
    )
    s.do(
        c.InspectWeapon,
        MARA,
        weapon=W1,
        findings=findings,
        bore=BoreFinding.CLEAR,
        checklist=("half cock", "open gate", "rotate through every chamber", "bore"),
        hammer=None,
        hammer_over=None,
    )
    st = weapon_status(s.state, W1)
    assert st.quarantined
    assert hazard(st) == "danger"
    steps = next_steps(st, ARMORER)
    assert steps.primary == "unload" and "hand-over" not in steps.offered
