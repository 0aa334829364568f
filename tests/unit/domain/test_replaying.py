"""The in-place replay (``replaying.StateBuilder``) reaches the frozen fold's state.

The reference is ``state.replay`` / ``state.apply``. The builder must give an equal
state with every mapping in the same order (pages and rows are read in that order), after
scripted shoot days and after every history hypothesis generates (the custody histories
of test_properties); a state it has frozen must not move when it folds on, and a state it
starts from (a snapshot) must not move either; passkey counters on signed events rise
as the frozen fold raises them.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.model import PasskeySignature
from coldcheck.domain.replaying import StateBuilder, replay_in_place
from coldcheck.domain.state import replay
from tests.factories import JACK, PROD, dry_gulch
from tests.unit.domain.test_properties import PROPERTY, explore
from tests.unit.domain.test_scenarios import run_shoot_day


def same(a: Any, b: Any, path: str = "state") -> None:
    """``a == b``, and every dict in them has its keys in the same order."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} is not {type(b).__name__}"
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} vs {b!r}"


def check_every_prefix(log: list[Event], every: int = 1) -> None:
    """Folded in place, every ``every``-th prefix of ``log`` is the frozen fold's state."""
    builder = StateBuilder(PROD)
    kept: list[tuple[int, Any]] = []
    for k, event in enumerate(log, start=1):
        builder.apply(event)
        if k % every == 0 or k == len(log):
            kept.append((k, builder.freeze()))
    for k, state in kept:
        same(state, replay(PROD, log[:k]), f"after {k} events")


def test_a_whole_shoot_day_folds_in_place_to_the_frozen_folds_state():
    s = run_shoot_day()
    same(replay_in_place(PROD, s.log), replay(PROD, s.log))
    same(replay_in_place(PROD, s.log), s.state)


def test_every_step_of_the_shoot_day_is_the_frozen_folds_state():
    check_every_prefix(run_shoot_day().log)


def test_a_frozen_state_does_not_move_when_the_builder_folds_on():
    log = run_shoot_day().log
    builder = StateBuilder(PROD)
    half = len(log) // 2
    builder.apply_all(log[:half])
    early = builder.freeze()
    snapshot = copy.deepcopy(early)
    builder.apply_all(log[half:])
    same(early, snapshot)
    same(early, replay(PROD, log[:half]))
    same(builder.freeze(), replay(PROD, log))


def test_a_builder_started_from_a_snapshot_leaves_the_snapshot_as_it_was():
    log = run_shoot_day().log
    half = len(log) // 3
    start = replay(PROD, log[:half])
    before = copy.deepcopy(start)
    builder = StateBuilder(start)
    builder.apply_all(log[half:])
    same(start, before)
    same(builder.freeze(), replay(PROD, log))
    assert builder.event_count == len(log)


def test_the_dry_gulch_set_up_folds_in_place_to_the_frozen_folds_state():
    log = dry_gulch().log
    same(replay_in_place(PROD, log), replay(PROD, log))


@PROPERTY
@given(st.data())
def test_every_generated_history_folds_in_place_to_the_frozen_folds_state(data):
    s, _ = explore(data)
    same(replay_in_place(PROD, s.log), s.state)
    check_every_prefix(s.log, every=max(1, len(s.log) // 4))


def _signed(event: Event, credential: str, counter: int) -> Event:
    data = base64.urlsafe_b64encode(bytes(33) + counter.to_bytes(4, "big")).rstrip(b"=")
    sig = PasskeySignature(JACK, credential, data.decode(), "", "", "", 0, "")
    return dataclasses.replace(event, signatures=(sig,))


def test_passkey_counters_on_signed_events_rise_as_the_frozen_fold_raises_them():
    log = run_shoot_day().log
    enrol = ev.PasskeyEnrolled(
        production=PROD,
        at=log[0].at,
        by=JACK,
        person=JACK,
        credential="cred-1",
        public_key="pk",
        rp_id="localhost",
        label="phone",
    )
    counters = [5, 9, 7, 12, 0, 30, 31]  # a lower or zero counter changes nothing
    signed = [enrol, *log[:1]]
    for k, event in enumerate(log[1:]):
        if k % 3 == 0:
            event = _signed(event, "cred-1" if k % 2 else "unknown", counters[k % 7])
        signed.append(event)
    want = replay(PROD, signed)
    assert want.passkeys["cred-1"].counter > 0  # the test reaches the counters
    same(replay_in_place(PROD, signed), want)
    check_every_prefix(signed, every=7)
