"""Wrap: reconciliation, closing the day, resolving discrepancies (R05, R23)."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import is_written, serial_key
from coldcheck.domain.errors import Reason
from coldcheck.domain.events import Event
from coldcheck.domain.model import ARMORER_ROLES, PRODUCTION_REPRESENTATIVE_ROLES, Role, Severity
from coldcheck.domain.rulebook.checks import every_weapon_is_back_in_storage
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    handles,
    incident_events,
    need_role,
    refuse,
    shoot_day_of,
    two_different_people,
    witnesses_of,
)
from coldcheck.domain.state import Custody, DayState, ProductionState


def no_day_is_counted_before_it_begins(
    state: ProductionState, cmd: c.ReconcileDay | c.CloseDay, what: str
) -> Reasons:
    """R23: a day is counted and closed at its wrap, never in advance."""
    today = shoot_day_of(state, cmd)
    if cmd.day > today:
        yield because(
            "R23",
            f"{cmd.day} has not begun (today is {today}) — {what} it at that day's wrap.",
        )


def weapons_with_the_armorer_are_put_away(state: ProductionState) -> Reasons:
    """R23: the armorer puts every weapon she holds away before the count."""
    for ws in sorted(state.weapons_out(), key=lambda w: w.weapon.id):
        if ws.location is Custody.ARMORER:
            yield because(
                "R23",
                f"{ws.weapon.id} is still out with {state.name_of(ws.holder)} — every "
                "weapon goes back to storage before the wrap count.",
            )


@handles(c.ReconcileDay)
def _reconcile(state: ProductionState, cmd: c.ReconcileDay) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "reconcile the day"),
        *weapons_with_the_armorer_are_put_away(state),
        *no_day_is_counted_before_it_begins(state, cmd, "count"),
    ]
    record = state.days.get(cmd.day)
    if record is not None and record.state not in (DayState.OPEN, DayState.RECONCILED):
        reasons.append(because("INPUT", f"{cmd.day} is already closed."))
    counted = [lc.lot for lc in cmd.lot_counts]
    if len(counted) != len(set(counted)):
        reasons.append(because("INPUT", "count each lot once."))
    for lot in counted:
        if lot not in state.lots:
            reasons.append(because("INPUT", f"there is no lot {lot}."))
    if (refusal := refuse(reasons)) is not None:
        return refusal
    problems: list[str] = []
    counts = {lc.lot: lc for lc in cmd.lot_counts}
    for lot_id, ls in sorted(state.lots.items()):
        if ls.accounted != ls.lot.count:
            problems.append(f"{lot_id}: received {ls.lot.count} but {ls.accounted} accounted for")
        lc = counts.get(lot_id)
        if lc is None:
            if ls.in_store or ls.fired_since_count:
                problems.append(f"{lot_id}: not counted")
            continue
        if lc.in_store != ls.in_store:
            problems.append(f"{lot_id}: counted {lc.in_store} in store, records say {ls.in_store}")
        if lc.spent_cases != ls.fired_since_count:
            problems.append(
                f"{lot_id}: {lc.spent_cases} spent cases for {ls.fired_since_count} blanks fired"
            )
    serials = {serial_key(w.weapon.serial): w for w in state.weapons.values() if not w.retired}
    seen = {serial_key(x) for x in cmd.serials_seen}
    for key, ws in sorted(serials.items(), key=lambda kv: kv[1].weapon.id):
        if ws.location is Custody.PERFORMER:
            problems.append(
                f"{ws.weapon.id} (serial {ws.weapon.serial}) still with "
                f"{state.name_of(ws.holder)} at wrap — overdue"
            )
        elif key not in seen:
            problems.append(f"{ws.weapon.id} (serial {ws.weapon.serial}) not seen in storage")
    for serial in cmd.serials_seen:
        if serial_key(serial) not in serials:
            problems.append(f"serial {serial} seen but not registered")
    env = Env(cmd)
    out: list[Event] = [
        env(
            ev.DayReconciled,
            day=cmd.day,
            lot_counts=tuple(cmd.lot_counts),
            serials_seen=tuple(cmd.serials_seen),
            discrepancies=tuple(problems),
        )
    ]
    if problems:
        out += incident_events(
            state,
            env,
            kind="reconciliation_discrepancy",
            description=f"wrap {cmd.day}: " + "; ".join(problems),
            severity=Severity.NOTE,
            weapons=[w.weapon.id for w in state.weapons_out() if w.location is Custody.PERFORMER],
            people=[w.holder for w in state.weapons_out() if w.holder is not None],
            quarantine=False,
        )
    return out


@handles(c.CloseDay)
def _close_day(state: ProductionState, cmd: c.CloseDay) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "close the day"),
        *every_weapon_is_back_in_storage(state),
        *no_day_is_counted_before_it_begins(state, cmd, "close"),
    ]
    record = state.days.get(cmd.day)
    if record is None or record.state is not DayState.RECONCILED:
        reasons.append(
            because("R23", f"reconcile {cmd.day} first: count every lot and every weapon.")
        )
    if not any(state.has_role(p, *PRODUCTION_REPRESENTATIVE_ROLES) for p in witnesses_of(cmd)):
        reasons.append(
            because(
                "R23",
                "a production representative (producer or 1st AD) signs the "
                "daily log with the armorer — ask them to confirm.",
            )
        )
    if (refusal := refuse(reasons)) is not None:
        return refusal
    assert record is not None
    return [Env(cmd)(ev.DayClosed, day=cmd.day, with_discrepancy=bool(record.discrepancies))]


@handles(c.ResolveDiscrepancy)
def _resolve(state: ProductionState, cmd: c.ResolveDiscrepancy) -> Decision:
    reasons: list[Reason] = []
    people = [cmd.actor, *sorted(witnesses_of(cmd))]
    if not two_different_people(state, people, ARMORER_ROLES, (Role.PRODUCER,)):
        reasons.append(
            because(
                "R23",
                "the armorer and the producer resolve a discrepancy together — "
                "one asks, the other confirms; one person holding both roles counts once.",
            )
        )
    record = state.days.get(cmd.day)
    if record is None or record.state is not DayState.CLOSED_WITH_DISCREPANCY:
        reasons.append(because("INPUT", f"{cmd.day} has no unresolved discrepancy."))
    if not is_written(cmd.resolution):
        reasons.append(because("INPUT", "say how the difference was explained."))
    return refuse(reasons) or [
        Env(cmd)(ev.DiscrepancyResolved, day=cmd.day, resolution=cmd.resolution)
    ]
