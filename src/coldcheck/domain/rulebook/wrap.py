"""Wrap: reconciliation, closing the day, resolving discrepancies (R05, R23)."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.errors import Reason
from coldcheck.domain.events import Event
from coldcheck.domain.model import ARMORER_ROLES, PRODUCTION_REPRESENTATIVE_ROLES, Role, Severity
from coldcheck.domain.rulebook.checks import every_weapon_is_back_in_storage
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    because,
    handles,
    incident_events,
    need_role,
    refuse,
    witnesses_of,
)
from coldcheck.domain.state import DayState, ProductionState


@handles(c.ReconcileDay)
def _reconcile(state: ProductionState, cmd: c.ReconcileDay) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "reconcile the day"),
        *every_weapon_is_back_in_storage(state),
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
    serials = {w.weapon.serial: w for w in state.weapons.values() if not w.retired}
    for serial, ws in sorted(serials.items()):
        if serial not in cmd.serials_seen:
            problems.append(f"{ws.weapon.id} (serial {serial}) not seen in storage")
    for serial in cmd.serials_seen:
        if serial not in serials:
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
        )
    return out


@handles(c.CloseDay)
def _close_day(state: ProductionState, cmd: c.CloseDay) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "close the day"),
        *every_weapon_is_back_in_storage(state),
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
    people = {cmd.actor} | set(witnesses_of(cmd))
    if not (
        any(state.is_armorer(p) for p in people)
        and any(state.has_role(p, Role.PRODUCER) for p in people)
    ):
        reasons.append(
            because(
                "R23",
                "the armorer and the producer resolve a discrepancy together — "
                "one asks, the other confirms.",
            )
        )
    record = state.days.get(cmd.day)
    if record is None or record.state is not DayState.CLOSED_WITH_DISCREPANCY:
        reasons.append(because("INPUT", f"{cmd.day} has no unresolved discrepancy."))
    if not cmd.resolution.strip():
        reasons.append(because("INPUT", "say how the difference was explained."))
    return refuse(reasons) or [
        Env(cmd)(ev.DiscrepancyResolved, day=cmd.day, resolution=cmd.resolution)
    ]
