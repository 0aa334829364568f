"""Inspection, bore checks, loading, unloading, firing, misfires, discharges.

Rules: R01, R13, R15-R20, R24, R25 (the wider hazard model's own rules are in ``hazards``).

Why one file of ~520 lines: every rule here guards the contents of a weapon's
chambers, and they share the helpers that read them; split, each half would
import the other's.
"""

from __future__ import annotations

from collections.abc import Iterable

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.localtime import local_hhmm, local_words, zone_of
from coldcheck.domain.mechanics import (
    RoundState,
    has_exposed_hammer_hazard,
    inspection_checklist,
)
from coldcheck.domain.model import ARMORER_ROLES, BoreFinding, Disposition, RoundClass
from coldcheck.domain.rulebook.checks import (
    a_second_person_witnesses_the_disposition,
    blanks_and_dummies_never_share_a_container,
    bore_is_checked_before_loading,
    close_blanks_need_protection,
    misfire_wait_has_passed,
    no_handoff_before_misfire_cleared,
    only_a_qualified_armorer_handles_weapons,
    stop_work_halts_issue_and_loading,
    weapon_is_in_armorer_custody,
    weapon_is_inspected,
    weapon_is_not_quarantined,
)
from coldcheck.domain.rulebook.hazards import (
    a_blank_adapted_weapon_has_its_adapter,
    the_action_is_said_at_the_load,
    the_inspection_fits_the_mechanism,
)
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    container_exists,
    enough_rounds,
    handles,
    incident_events,
    lot_exists,
    need_role,
    refuse,
    settings_of,
    shoot_day_of,
    weapon_or_refusal,
)
from coldcheck.domain.rulebook.records import (
    authorising_meeting,
    the_context_names_the_same_scene,
    the_named_meeting_authorises_the_load,
    the_take_context_is_known,
    with_scene,
)
from coldcheck.domain.state import EMPTY, Custody, ProductionState, WeaponState


def inspection_covers_every_position_and_step(ws: WeaponState, cmd: c.InspectWeapon) -> Reasons:
    """R10/R24: a finding for every load position and the bore, every checklist step ticked."""
    positions = ws.positions
    found = [f.position for f in cmd.findings]
    unknown = [p for p in found if p not in positions]
    if unknown:
        yield because(
            "INPUT",
            f"{ws.weapon.id} has no {', '.join(unknown)} — its positions are "
            f"{', '.join(positions) or 'none'}.",
        )
    if len(found) != len(set(found)):
        yield because("INPUT", "record each position once.")
    missing = [p for p in positions if p not in found]
    if missing:
        yield because(
            "R24",
            f"the inspection of {ws.weapon.id} is incomplete — record what you found "
            f"in {', '.join(missing)}.",
        )
    steps = inspection_checklist(ws.weapon.action)
    not_ticked = [s for s in steps if s not in cmd.checklist]
    if not_ticked:
        yield because(
            "R24",
            f"tick every step of the {ws.weapon.action.value.replace('_', ' ')} "
            f"checklist — still to do: {', '.join(not_ticked)}.",
        )
    extra = [s for s in cmd.checklist if s not in steps]
    if extra:
        yield because("INPUT", f"'{extra[0]}' is not a step of this weapon's checklist.")
    if cmd.hammer_over is not None and cmd.hammer_over not in positions:
        yield because("INPUT", f"{ws.weapon.id} has no {cmd.hammer_over}.")


_ROUNDS = frozenset({RoundState.BLANK, RoundState.DUMMY, RoundState.LIVE, RoundState.UNKNOWN})


def recorded_rounds_do_not_vanish(ws: WeaponState, cmd: c.InspectWeapon) -> Reasons:
    """R05: a recorded round is fired or unloaded on the record, never just gone."""
    for f in cmd.findings:
        recorded = ws.contents.get(f.position, EMPTY)
        if f.found is RoundState.EMPTY and recorded.state in _ROUNDS:
            yield because(
                "R05",
                f"{f.position} of {ws.weapon.id} was recorded holding {recorded} "
                "but you found it empty — record the firing or the unloading first, or "
                "open an incident if the round is missing.",
            )


def _surprises(ws: WeaponState, cmd: c.InspectWeapon) -> list[str]:
    out = []
    for f in cmd.findings:
        recorded = ws.contents.get(f.position, EMPTY)
        if f.found is recorded.state or f.found is RoundState.EMPTY:
            continue
        out.append(f"{f.found.value} round in {f.position} (recorded: {recorded})")
    return out


@handles(c.InspectWeapon)
def _inspect(state: ProductionState, cmd: c.InspectWeapon) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "inspect a weapon"),
        *weapon_is_in_armorer_custody(state, ws, cmd.actor),
        *misfire_wait_has_passed(state, cmd, ws),
        *inspection_covers_every_position_and_step(ws, cmd),
        *recorded_rounds_do_not_vanish(ws, cmd),
        *the_inspection_fits_the_mechanism(ws, cmd),
    ]
    if (refusal := refuse(reasons)) is not None:
        return refusal
    env = Env(cmd)
    out: list[Event] = [
        env(
            ev.InspectionRecorded,
            weapon=ws.weapon.id,
            findings=tuple(cmd.findings),
            bore=cmd.bore,
            checklist=tuple(cmd.checklist),
            hammer=cmd.hammer,
            hammer_over=cmd.hammer_over,
            bolt=cmd.bolt,
            adapter_fitted=cmd.adapter_fitted,
        )
    ]
    surprises = _surprises(ws, cmd)
    problems = []
    if surprises:
        problems.append(f"{ws.weapon.id}: {'; '.join(surprises)}")
    if cmd.bore is BoreFinding.OBSTRUCTED:
        problems.append(f"{ws.weapon.id}: bore obstructed")
    if problems:
        lots = set(ws.loaded_from)
        for f in cmd.findings:
            lot = ws.contents.get(f.position, EMPTY).lot
            if lot is not None:
                lots.add(lot)
        kind = "live_or_unknown_round" if surprises else "bore_obstructed"
        out += incident_events(
            state,
            env,
            kind=kind,
            description="; ".join(problems),
            weapon=ws,
            lots=lots if surprises else (),
        )
    return out


@handles(c.CheckBore)
def _check_bore(state: ProductionState, cmd: c.CheckBore) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "check a bore"),
        *weapon_is_in_armorer_custody(state, ws, cmd.actor),
        *misfire_wait_has_passed(state, cmd, ws),
    ]
    if ws.weapon.is_replica:
        reasons.append(because("INPUT", f"{ws.weapon.id} is a replica: it has no bore."))
    if (refusal := refuse(reasons)) is not None:
        return refusal
    env = Env(cmd)
    out: list[Event] = [env(ev.BoreChecked, weapon=ws.weapon.id, bore=cmd.bore)]
    if cmd.bore is BoreFinding.OBSTRUCTED:
        out += incident_events(
            state,
            env,
            kind="bore_obstructed",
            description=f"{ws.weapon.id}: bore obstructed",
            weapon=ws,
        )
    return out


def blanks_only_for_a_firing_scene_just_before_the_take(
    state: ProductionState, cmd: c.LoadWeapon
) -> Reasons:
    """R13."""
    if cmd.scene is None or cmd.take_at is None:
        yield because(
            "R13",
            "blanks are loaded only for a scene — name the scene and the planned time of the take.",
        )
        return
    plan = state.scenes.get(cmd.scene)
    if plan is None:
        yield because("R13", f"there is no plan for scene {cmd.scene} — plan it first.")
        return
    today = shoot_day_of(state, cmd)
    if plan.day != today:
        yield because(
            "R13",
            f"scene {cmd.scene} is planned for {plan.day}, not today ({today}) — blanks "
            "are loaded only for a scene planned for today; plan it for today first.",
        )
    if not plan.fires_blanks:
        yield because(
            "R13", f"the plan for scene {cmd.scene} has no firing — load dummies or nothing."
        )
    if cmd.weapon not in plan.weapons:
        yield because("R13", f"{cmd.weapon} is not in the plan for scene {cmd.scene}.")
    window = settings_of(state).blank_load_window
    if cmd.at < cmd.take_at - window:
        zone = zone_of(state.info.time_zone if state.info else None)
        yield because(
            "R13",
            f"the take is at {local_words(cmd.take_at, zone)} — load blanks no earlier "
            f"than {local_hhmm(cmd.take_at - window, zone)}.",
        )
    if cmd.at > cmd.take_at:
        yield because("R13", "the take time you gave has passed — give the time of the next take.")


def a_safety_meeting_was_held_for_the_scene(state: ProductionState, cmd: c.LoadWeapon) -> Reasons:
    """R17."""
    plan = state.scenes.get(cmd.scene) if cmd.scene else None
    if plan is None:
        return
    today = shoot_day_of(state, cmd)
    for m in state.meetings.values():
        held_today = m.day == today and state.local_day(m.at) == today
        if held_today and plan.day == today and m.at <= cmd.at and m.attendees:
            for s, rev in zip(m.scenes, m.scene_revisions, strict=True):
                if s == plan.id and rev == plan.revision:
                    return
    yield because(
        "R17",
        f"no safety meeting today ({today}) for scene {plan.id} as now planned — hold "
        "one, with attendees, before loading blanks.",
    )


def hammer_rests_on_an_empty_chamber(ws: WeaponState, cmd: c.LoadWeapon) -> Reasons:
    """R25: no transfer bar, so the chamber under the hammer stays empty, whatever is loaded.

    Dummies too: on *Rust* the "dummies" were live, and a round that is not what
    its box says fires when the hammer is struck.
    """
    if not has_exposed_hammer_hazard(ws.weapon.action, ws.weapon.transfer_bar):
        return
    if not cmd.loads:
        return
    if cmd.hammer_over is None:
        yield because(
            "R25",
            f"{ws.weapon.id} has no transfer bar — say which chamber the hammer "
            "rests on, and leave that chamber empty.",
        )
        return
    if cmd.hammer_over not in ws.positions:
        yield because("INPUT", f"{ws.weapon.id} has no {cmd.hammer_over}.")
        return
    current = ws.contents.get(cmd.hammer_over, EMPTY).state
    if cmd.hammer_over in {pl.position for pl in cmd.loads} or current is not RoundState.EMPTY:
        yield because(
            "R25",
            f"{ws.weapon.id} has no transfer bar — leave {cmd.hammer_over}, under "
            "the hammer, empty whatever you load (a blow to the hammer fires a loaded "
            "chamber, and a dummy that is not what its box says is a loaded chamber).",
        )


@handles(c.LoadWeapon)
def _load(state: ProductionState, cmd: c.LoadWeapon) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "load a weapon"),
        *weapon_is_in_armorer_custody(state, ws, cmd.actor),
        *stop_work_halts_issue_and_loading(state, "loading"),
        *weapon_is_not_quarantined(ws, "loading"),
        *weapon_is_inspected(ws, "load it"),
        *no_handoff_before_misfire_cleared(ws),
        *bore_is_checked_before_loading(ws),
    ]
    if ws.weapon.is_replica:
        reasons.append(
            because("INPUT", f"{ws.weapon.id} is a non-firing replica; it takes no rounds.")
        )
    if not cmd.loads:
        reasons.append(because("INPUT", "say which rounds go into which positions."))
    reasons += container_exists(state, cmd.container)
    positions = [pl.position for pl in cmd.loads]
    if len(positions) != len(set(positions)):
        reasons.append(because("INPUT", "one round per position."))
    classes: set[RoundClass] = set()
    fireable: set[str] = set()
    per_lot: dict[str, int] = {}
    for pl in cmd.loads:
        if pl.position not in ws.positions:
            reasons.append(because("INPUT", f"{ws.weapon.id} has no {pl.position}."))
        elif ws.contents.get(pl.position, EMPTY).state is not RoundState.EMPTY:
            reasons.append(
                because(
                    "INPUT",
                    f"{pl.position} already holds {ws.contents[pl.position]} — unload it first.",
                )
            )
        ls = state.lots.get(pl.lot)
        if ls is None:
            reasons.extend(lot_exists(state, pl.lot))
            continue
        per_lot[pl.lot] = per_lot.get(pl.lot, 0) + 1
        lot = ls.lot
        classes.add(lot.round_class)
        if lot.round_class is RoundClass.LIVE:
            reasons.append(
                because(
                    "R01",
                    f"{pl.lot} is live ammunition — live rounds never go into a weapon on set.",
                )
            )
        if lot.round_class in (RoundClass.BLANK, RoundClass.LIVE):
            fireable.add(pl.position)
        if ls.quarantined:
            reasons.append(because("R03", f"{pl.lot} is quarantined — do not load from it."))
        if lot.round_class is RoundClass.DUMMY and ls.verified is not True:
            reasons.append(
                because(
                    "R03",
                    f"dummy lot {pl.lot} is not verified — check every round "
                    "(rattle, no live primer, holed case) before using it.",
                )
            )
        if lot.calibre != ws.weapon.calibre:
            reasons.append(
                because(
                    "INPUT", f"{pl.lot} is {lot.calibre}; {ws.weapon.id} takes {ws.weapon.calibre}."
                )
            )
    if cmd.container in state.containers:
        for lot_id, n in sorted(per_lot.items()):
            reasons.extend(enough_rounds(state, cmd.container, lot_id, n))
    held = set(ws.holds(RoundState.DUMMY, RoundState.BLANK))
    held_classes = {RoundClass(ws.contents[p].state.value) for p in held}
    if len(classes | held_classes) > 1 and RoundClass.LIVE not in classes:
        reasons.append(
            because(
                "R16",
                f"never mix dummies and blanks in {ws.weapon.id} — unload the "
                "dummies and check the bore before loading blanks.",
            )
        )
    blanks = RoundClass.BLANK in classes
    if blanks:
        reasons += blanks_only_for_a_firing_scene_just_before_the_take(state, cmd)
        reasons += a_safety_meeting_was_held_for_the_scene(state, cmd)
        reasons += the_named_meeting_authorises_the_load(state, cmd)
    elif cmd.meeting is not None:
        reasons.append(
            because("INPUT", "only a blank load names the safety meeting that authorised it.")
        )
        plan = state.scenes.get(cmd.scene) if cmd.scene else None
        if plan is not None:
            reasons += close_blanks_need_protection(
                state, plan.closest_distance_ft, True, plan.protection, plan.id
            )
    reasons += hammer_rests_on_an_empty_chamber(ws, cmd)
    reasons += the_action_is_said_at_the_load(ws, cmd)
    reasons += a_blank_adapted_weapon_has_its_adapter(ws, blanks)
    reasons += the_take_context_is_known(state, cmd.context)
    reasons += the_context_names_the_same_scene(cmd.context, cmd.scene)
    if (refusal := refuse(reasons)) is not None:
        return refusal
    return [
        Env(cmd)(
            ev.WeaponLoaded,
            weapon=ws.weapon.id,
            container=cmd.container,
            loads=tuple(cmd.loads),
            scene=cmd.scene,
            take_at=cmd.take_at,
            hammer_over=cmd.hammer_over,
            announce=blanks,
            context=with_scene(cmd.context, cmd.scene),
            meeting=authorising_meeting(state, cmd) if blanks else None,
            hammer=cmd.hammer,
            bolt=cmd.bolt,
        )
    ]


@handles(c.UnloadWeapon)
def _unload(state: ProductionState, cmd: c.UnloadWeapon) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "unload a weapon"),
        *weapon_is_in_armorer_custody(state, ws, cmd.actor),
        *misfire_wait_has_passed(state, cmd, ws),
    ]
    if not cmd.positions or len(cmd.positions) != len(set(cmd.positions)):
        reasons.append(because("INPUT", "name each position to unload once."))
    to_store: set[RoundClass] = set()
    for p in cmd.positions:
        if p not in ws.positions:
            reasons.append(because("INPUT", f"{ws.weapon.id} has no {p}."))
            continue
        load = ws.contents.get(p, EMPTY)
        if load.state is RoundState.EMPTY:
            reasons.append(because("INPUT", f"{p} of {ws.weapon.id} is already empty."))
        elif cmd.disposition is Disposition.STORE and load.state in (
            RoundState.LIVE,
            RoundState.UNKNOWN,
        ):
            reasons.append(
                because(
                    "R01",
                    f"the {load.state.value} round from {p} never goes back into "
                    "store — seal it as evidence, or unload it for destruction.",
                )
            )
        elif cmd.disposition is Disposition.STORE and p in ws.misfired:
            reasons.append(
                because(
                    "R19",
                    f"the round in {p} misfired — it never goes back into a box; unload "
                    "it for destruction (or seal it as evidence).",
                )
            )
        elif load.state in (RoundState.BLANK, RoundState.DUMMY) and load.lot is not None:
            to_store.add(state.lots[load.lot].lot.round_class)
    if cmd.disposition is Disposition.STORE and to_store:
        if cmd.container is None or cmd.container not in state.containers:
            reasons.extend(container_exists(state, cmd.container))
        else:
            for rc in sorted(to_store):
                reasons.extend(blanks_and_dummies_never_share_a_container(state, cmd.container, rc))
            if len(to_store) > 1:
                reasons.append(
                    because(
                        "R04",
                        "blanks and dummies go to different containers — unload them separately.",
                    )
                )
    if cmd.disposition is Disposition.DESTROY and any(
        ws.contents.get(p, EMPTY).state not in (RoundState.EMPTY, RoundState.SPENT)
        for p in cmd.positions
    ):
        reasons += a_second_person_witnesses_the_disposition(state, cmd, "unloaded for destruction")
    if (refusal := refuse(reasons)) is not None:
        return refusal
    return [
        Env(cmd)(
            ev.WeaponUnloaded,
            weapon=ws.weapon.id,
            positions=tuple(cmd.positions),
            disposition=cmd.disposition,
            container=cmd.container if cmd.disposition is Disposition.STORE else None,
        )
    ]


def _record_on_weapon(
    state: ProductionState, cmd: c.BaseCommand, ws: WeaponState, positions: Iterable[str]
) -> list[Reason]:
    reasons = list(need_role(state, cmd, ARMORER_ROLES, "record firing"))
    if ws.location is Custody.STORAGE:
        reasons.append(because("INPUT", f"{ws.weapon.id} is in storage."))
    for p in positions:
        if p not in ws.positions:
            reasons.append(because("INPUT", f"{ws.weapon.id} has no {p}."))
        elif ws.contents.get(p, EMPTY).state is not RoundState.BLANK:
            reasons.append(
                because(
                    "INPUT",
                    f"{p} of {ws.weapon.id} holds "
                    f"{ws.contents.get(p, EMPTY)}, not a blank — record what "
                    "happened as an incident.",
                )
            )
    return reasons


@handles(c.RecordFiring)
def _record_firing(state: ProductionState, cmd: c.RecordFiring) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = _record_on_weapon(state, cmd, ws, cmd.positions)
    if not cmd.positions or len(set(cmd.positions)) != len(cmd.positions):
        reasons.append(because("INPUT", "name each fired position once."))
    reasons += the_take_context_is_known(state, cmd.context)
    return refuse(reasons) or [
        Env(cmd)(
            ev.BlanksFired,
            weapon=ws.weapon.id,
            positions=tuple(cmd.positions),
            context=cmd.context,
        )
    ]


@handles(c.RecordMisfire)
def _record_misfire(state: ProductionState, cmd: c.RecordMisfire) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = _record_on_weapon(state, cmd, ws, [cmd.position])
    reasons += the_take_context_is_known(state, cmd.context)
    return refuse(reasons) or [
        Env(cmd)(
            ev.MisfireRecorded, weapon=ws.weapon.id, position=cmd.position, context=cmd.context
        )
    ]


@handles(c.RecordUnplannedDischarge)
def _record_discharge(state: ProductionState, cmd: c.RecordUnplannedDischarge) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    if cmd.position is not None and cmd.position not in ws.positions:
        return Refusal((because("INPUT", f"{ws.weapon.id} has no {cmd.position}."),))
    if (refusal := refuse(list(the_take_context_is_known(state, cmd.context)))) is not None:
        return refusal
    env = Env(cmd)
    desc = f"unplanned discharge of {ws.weapon.id}" + (
        f": {cmd.description}" if cmd.description else ""
    )
    return [
        env(
            ev.UnplannedDischargeRecorded,
            weapon=ws.weapon.id,
            position=cmd.position,
            description=cmd.description,
            context=cmd.context,
        ),
        *incident_events(
            state,
            env,
            kind="unplanned_discharge",
            description=desc,
            weapon=ws,
            scene=cmd.context.scene if cmd.context else None,
            context=cmd.context,
        ),
    ]


@handles(c.ClearWeaponQuarantine)
def _clear_quarantine(state: ProductionState, cmd: c.ClearWeaponQuarantine) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "clear a quarantined weapon"),
        *weapon_is_in_armorer_custody(state, ws, cmd.actor),
    ]
    if not ws.quarantined:
        reasons.append(because("INPUT", f"{ws.weapon.id} is not quarantined."))
    reasons += weapon_is_inspected(ws, "clear it")
    if ws.bore_check_due is not None:
        reasons.append(because("R16", f"check the bore of {ws.weapon.id} and find it clear first."))
    occupied = [p for p in ws.positions if ws.contents.get(p, EMPTY).state is not RoundState.EMPTY]
    if occupied:
        reasons.append(
            because("R20", f"unload {', '.join(occupied)} of {ws.weapon.id} before clearing it.")
        )
    if not cmd.note.strip():
        reasons.append(because("INPUT", "say why the weapon is safe to use again."))
    return refuse(reasons) or [
        Env(cmd)(ev.WeaponQuarantineCleared, weapon=ws.weapon.id, note=cmd.note)
    ]
