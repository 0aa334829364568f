"""Labels and status views derived from a production's state: what pages and reports show.

Nothing here changes state: :mod:`coldcheck.domain.state` folds events into a
``ProductionState``; these functions read one. ``label`` is R11's derived
label (nobody can type it); ``weapon_status``, ``lot_status`` and
``day_status`` are the views a weapon page, a lot page and the wrap show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from coldcheck.domain.errors import UnknownEntity
from coldcheck.domain.ids import ContainerId, LotId, PersonId, WeaponId
from coldcheck.domain.mechanics import (
    ActionType,
    BoltPosition,
    HammerPosition,
    RoundState,
    hazards,
    recorded_hazards,
)
from coldcheck.domain.model import BlankLoad, RoundClass, SafetyReport, WeaponKind
from coldcheck.domain.state import (
    EMPTY,
    Custody,
    DayRecord,
    DayState,
    Load,
    ProductionState,
    WeaponState,
)


class LoadLabel(StrEnum):
    """The derived label of a weapon (R11); nobody can type it."""

    COLD = "cold"
    DUMMY_LOADED = "dummy-loaded"
    BLANK_LOADED = "blank-loaded"
    UNVERIFIED = "unverified"
    QUARANTINED = "quarantined"


def label(ws: WeaponState) -> LoadLabel:
    """The derived label of a weapon (R11)."""
    if ws.quarantined:
        return LoadLabel.QUARANTINED
    if ws.inspection is None:
        return LoadLabel.UNVERIFIED
    held = {ws.contents.get(p, EMPTY).state for p in ws.positions}
    if held & {RoundState.LIVE, RoundState.UNKNOWN}:
        return LoadLabel.UNVERIFIED
    if RoundState.BLANK in held:
        return LoadLabel.BLANK_LOADED
    if RoundState.DUMMY in held:
        return LoadLabel.UNVERIFIED if RoundState.SPENT in held else LoadLabel.DUMMY_LOADED
    if RoundState.SPENT in held or ws.bore_check_due is not None:
        return LoadLabel.UNVERIFIED
    return LoadLabel.COLD


@dataclass(frozen=True)
class WeaponStatus:
    """Everything a weapon page shows.

    ``positions`` lists every load position and what is recorded in it;
    ``inspected_*`` is the last inspection (even if voided since) — the
    label says whether it still counts.
    """

    weapon: WeaponId
    tag: str
    name: str
    serial: str
    calibre: str
    kind: WeaponKind
    action: ActionType
    location: Custody
    holder: PersonId | None
    holder_name: str | None
    label: LoadLabel
    positions: tuple[tuple[str, Load], ...]
    inspected_by: PersonId | None
    inspected_at: datetime | None
    inspection_confirmed_by: tuple[PersonId, ...]
    inspection_valid: bool
    bore_check_due: str | None
    hammer: HammerPosition | None
    hammer_over: str | None
    can_fire_without_trigger: bool
    misfire_at: datetime | None
    quarantined: bool
    quarantine_reason: str
    retired: bool
    hazards: tuple[str, ...]
    fire_words: tuple[str, ...] = ()
    """Why it can fire without a trigger pull as recorded (R25); empty when it cannot."""
    bolt: BoltPosition | None = None
    adapter_fitted: bool | None = None
    build_words: tuple[str, ...] = ()
    """What its registration says of its mechanism: ``open bolt``, ``slam-fire``, ..."""


def build_words(ws: WeaponState) -> tuple[str, ...]:
    """The mechanism in a few words (R25): what the weapon head line shows."""
    w = ws.weapon
    words = [
        text
        for flag, text in (
            (w.open_bolt, "open bolt"),
            (w.slam_fire, "slam-fire"),
            (w.drop_safety, "drop safety"),
            (w.decocker, "decocker"),
        )
        if flag
    ]
    if w.kind is WeaponKind.BLANK_ADAPTED:
        fitted = {True: "fitted", False: "off", None: "not recorded"}[ws.adapter_fitted]
        words.append(f"blank-firing adapter {fitted}")
    if ws.bolt is not None:
        words.append(f"bolt {ws.bolt.value}")
    return tuple(words)


def _weapon_state(state: ProductionState, weapon_id: WeaponId) -> WeaponState:
    ws = state.weapons.get(weapon_id)
    if ws is None:
        raise UnknownEntity(f"no weapon {weapon_id} on this production")
    return ws


def weapon_can_fire_without_trigger(ws: WeaponState) -> bool:
    """R25 for the recorded state of this weapon, whatever its build."""
    return any(h.without_trigger for h in recorded_hazards(ws.weapon.build, ws.action_state))


def weapon_status(state: ProductionState, weapon_id: WeaponId) -> WeaponStatus:
    """The weapon page: where it is, who holds it, what is in it, and what that means."""
    ws = _weapon_state(state, weapon_id)
    w = ws.weapon
    recorded = recorded_hazards(w.build, ws.action_state)
    fire_words = tuple(h.words for h in recorded if h.without_trigger)
    fires = bool(fire_words)
    words = [h.words for h in recorded] + list(hazards(w.action))
    if ws.misfire is not None:
        words.insert(0, f"Misfire in {ws.misfire.position}: keep it pointed safe until cleared.")
    insp = ws.last_inspection
    return WeaponStatus(
        weapon=w.id,
        tag=str(w.id),
        name=w.name,
        serial=w.serial,
        calibre=w.calibre,
        kind=w.kind,
        action=w.action,
        location=ws.location,
        holder=ws.holder,
        holder_name=state.name_of(ws.holder) if ws.holder else None,
        label=label(ws),
        positions=tuple((p, ws.contents.get(p, EMPTY)) for p in ws.positions),
        inspected_by=insp.by if insp else None,
        inspected_at=insp.at if insp else None,
        inspection_confirmed_by=insp.witnesses if insp else (),
        inspection_valid=ws.inspection is not None,
        bore_check_due=ws.bore_check_due,
        hammer=ws.hammer,
        hammer_over=ws.hammer_over,
        can_fire_without_trigger=fires,
        misfire_at=ws.misfire.at if ws.misfire else None,
        quarantined=ws.quarantined,
        quarantine_reason=ws.quarantine_reason,
        retired=ws.retired,
        hazards=tuple(words),
        fire_words=fire_words,
        bolt=ws.bolt,
        adapter_fitted=ws.adapter_fitted,
        build_words=build_words(ws),
    )


@dataclass(frozen=True)
class LotStatus:
    """A lot's counts (R05); ``verified`` is None for lots that are not dummies."""

    lot: LotId
    round_class: RoundClass
    blank_load: BlankLoad | None
    calibre: str
    supplier: str
    received: int
    in_store: int
    in_weapons: int
    fired: int
    returned: int
    destroyed: int
    quarantined: bool
    verified: bool | None
    conserved: bool
    containers: tuple[tuple[ContainerId, int], ...]
    evidence: int = 0
    failed: tuple[int, ...] = ()


def lot_status(state: ProductionState, lot_id: LotId) -> LotStatus:
    """Where every round of a lot is."""
    ls = state.lots.get(lot_id)
    if ls is None:
        raise UnknownEntity(f"no lot {lot_id} on this production")
    lot = ls.lot
    containers = tuple(
        (cid, cs.contents[lot_id])
        for cid, cs in sorted(state.containers.items())
        if cs.contents.get(lot_id)
    )
    return LotStatus(
        lot=lot.id,
        round_class=lot.round_class,
        blank_load=lot.blank_load,
        calibre=lot.calibre,
        supplier=lot.supplier,
        received=lot.count,
        in_store=ls.in_store,
        in_weapons=ls.in_weapons,
        fired=ls.fired,
        returned=ls.returned,
        destroyed=ls.destroyed,
        quarantined=ls.quarantined,
        verified=ls.verified,
        conserved=ls.accounted == lot.count,
        containers=containers,
        evidence=ls.evidence,
        failed=ls.failed,
    )


def stop_work_active(state: ProductionState) -> bool:
    """True while firearm work is halted (R21)."""
    return state.stop_work is not None


def overdue_reports(state: ProductionState, now: datetime) -> list[SafetyReport]:
    """Open safety reports older than the escalation setting: tell the producer (R22)."""
    if state.info is None:
        return []
    limit = state.info.settings.escalation
    return sorted(
        (r for r in state.reports.values() if r.closed_at is None and now - r.at >= limit),
        key=lambda r: (r.at, r.id),
    )


@dataclass(frozen=True)
class OverdueWeapon:
    """A weapon out of the armorer's custody too long: past wrap, or past the setting."""

    weapon: WeaponId
    holder: PersonId | None
    holder_name: str
    since: datetime
    why: str


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def overdue_weapons(state: ProductionState, now: datetime) -> list[OverdueWeapon]:
    """Weapons with a performer past wrap, or longer than the setting outside a scene of the day.

    Past wrap: handed over on an earlier shoot day, or today's wrap count was
    already recorded. Outside a scene: no scene planned for today names the
    weapon. Every screen shows these; the wrap count opens an incident (R23).
    """
    if state.info is None:
        return []
    today = state.local_day(now)
    limit = state.info.settings.overdue
    counted = state.days.get(today, DayRecord(today)).state is not DayState.OPEN
    in_scene = {w for p in state.scenes.values() if p.day == today for w in p.weapons}
    out: list[OverdueWeapon] = []
    for ws in sorted(state.weapons_out(), key=lambda w: w.weapon.id):
        if ws.location is not Custody.PERFORMER or ws.out_since is None:
            continue
        held = now - ws.out_since
        name = state.name_of(ws.holder)
        if state.local_day(ws.out_since) < today or counted:
            why = f"{ws.weapon.id} is still with {name} past wrap ({_hours(held)})"
        elif held > limit and ws.weapon.id not in in_scene:
            why = (
                f"{ws.weapon.id} has been with {name} for {_hours(held)}, longer than "
                f"{_hours(limit)}, and no scene today uses it"
            )
        else:
            continue
        out.append(OverdueWeapon(ws.weapon.id, ws.holder, name, ws.out_since, why))
    return out


@dataclass(frozen=True)
class DayStatus:
    """A shoot day as the wrap page shows it (R23)."""

    day: date
    state: DayState
    discrepancies: tuple[str, ...]
    resolution: str
    weapons_out: tuple[WeaponId, ...]
    blocks_issue: bool


def day_status(state: ProductionState, day: date, now_day: date | None = None) -> DayStatus:
    """Where the wrap of ``day`` stands, and whether it blocks issuing on ``now_day`` (R23).

    ``now_day`` defaults to ``day`` itself: a day does not block its own issues
    until it is over, except when it was closed with a discrepancy.
    """
    record = state.days.get(day, DayRecord(day))
    current = now_day if now_day is not None else day
    return DayStatus(
        day=day,
        state=record.state,
        discrepancies=record.discrepancies,
        resolution=record.resolution,
        weapons_out=tuple(sorted(w.weapon.id for w in state.weapons_out())),
        blocks_issue=any(d == day for d, _ in days_blocking_issue(state, current)),
    )


def unresolved_days(state: ProductionState) -> list[date]:
    """Days closed with a discrepancy that nobody resolved yet (R23)."""
    return sorted(d for d, r in state.days.items() if r.state is DayState.CLOSED_WITH_DISCREPANCY)


def days_blocking_issue(state: ProductionState, today: date) -> list[tuple[date, str]]:
    """Earlier days that stop today's first issue, each with what to do (R23).

    A shoot day never counted, a day counted but never closed, and a day closed
    with a discrepancy nobody resolved (that one whatever its date).
    """
    out: list[tuple[date, str]] = []
    for day, record in sorted(state.days.items()):
        if record.state is DayState.CLOSED_WITH_DISCREPANCY:
            out.append((day, "was closed with a discrepancy — resolve it (armorer and producer)"))
        elif day >= today:
            continue
        elif record.state is DayState.RECONCILED:
            out.append((day, "was counted but never closed — close it with the producer or 1st AD"))
        elif record.state is DayState.OPEN and record.worked:
            out.append((day, "was a shoot day that was never counted — count it and close it"))
    return out


def still_needed(state: ProductionState, today: date) -> tuple[str, ...]:
    """What a production still lacks before the first weapon can be issued, in words.

    The rules would refuse custody without these (R06, R12, R14, R21, R26, R29); a new
    production's first screen lists them so nobody learns it from a refusal.
    """
    from coldcheck.domain.model import ARMORER_ROLES, PermitKind, Role

    out: list[str] = []
    armorers = [p for p, r in state.roles.items() if r & ARMORER_ROLES]
    if not armorers:
        out.append("An armorer: give someone the armorer role (People screen, R06).")
    for pid in sorted(armorers, key=state.name_of):
        permits = [p for p in state.permits.get(pid, ()) if p.kind is PermitKind.ARMORER]
        if not any(p.expires >= today for p in permits):
            out.append(f"{state.name_of(pid)}: record a current armorer permit (R26).")
    performers = [p for p, r in state.roles.items() if Role.PERFORMER in r]
    if not performers:
        out.append("Performers: add the cast who will handle weapons (R08).")
    for pid in sorted(performers, key=state.name_of):
        if not state.training.get(pid):
            out.append(f"{state.name_of(pid)}: record their weapon training (R14).")
    if not any(Role.FIRST_AD in r for r in state.roles.values()):
        out.append("A 1st AD, who witnesses every handoff with a PIN (R12).")
    if not any(Role.SAFETY_SUPERVISOR in r for r in state.roles.values()):
        out.append("A safety supervisor, who lifts a stop-work with the armorer (R21).")
    if not any(not w.retired for w in state.weapons.values()):
        out.append("Weapons: register them (Board, Register a weapon).")
    if not state.lots:
        out.append("Ammunition: receive the lots (Ammunition screen, R02).")
    if not (state.info and state.info.settings.compliance_contact.strip()):
        out.append(
            "A compliance contact (California Labor Code §9153): the producer names one "
            "in the production's settings (R29)."
        )
    return tuple(out)
