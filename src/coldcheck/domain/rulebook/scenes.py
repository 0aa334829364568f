"""Scene plans, safety meetings, incidents, reports and stop-work (R17, R18, R20-R22)."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import is_written
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.ids import IncidentId, LotId, PersonId, WeaponId
from coldcheck.domain.model import ARMORER_ROLES, Role, Severity
from coldcheck.domain.rulebook.checks import (
    armorer_and_safety_supervisor_together,
    close_blanks_need_protection,
)
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    handles,
    incident_events,
    need_role,
    refuse,
    settings_of,
    shoot_day_of,
    witnesses_of,
)
from coldcheck.domain.rulebook.records import (
    the_context_names_the_same_scene,
    the_take_context_is_known,
    with_scene,
)
from coldcheck.domain.state import ProductionState


def pointing_at_people_needs_armorer_sign_off(
    state: ProductionState, cmd: c.PlanScene, signer: PersonId | None
) -> Reasons:
    """R18."""
    if cmd.points_at_people_or_camera and signer is None:
        yield because(
            "R18",
            f"scene {cmd.scene} points a weapon at a person or camera — the armorer "
            "signs off on the plan (as the one planning or by confirming).",
        )


def protection_is_written_down(cmd: c.PlanScene) -> Reasons:
    """R18: every protection in the plan says what protects whom — no blank entries."""
    blank = [str(n) for n, p in enumerate(cmd.protection, start=1) if not is_written(p)]
    if blank:
        yield because(
            "R18",
            f"protection {', '.join(blank)} of scene {cmd.scene} is empty — write what "
            "protects whom (a shield for the camera operator, a remote camera), or leave "
            "the entry out.",
        )


@handles(c.PlanScene)
def _plan_scene(state: ProductionState, cmd: c.PlanScene) -> Decision:
    reasons = list(
        need_role(state, cmd, (Role.FIRST_AD, Role.PRODUCER, *ARMORER_ROLES), "plan scenes")
    )
    if not cmd.title.strip():
        reasons.append(because("INPUT", "give the scene a title."))
    for w in cmd.weapons:
        ws = state.weapons.get(w)
        if ws is None:
            reasons.append(because("INPUT", f"there is no weapon {w}."))
    firing = [state.weapons[w] for w in cmd.weapons if w in state.weapons]
    if cmd.fires_blanks and firing and all(ws.weapon.is_replica for ws in firing):
        reasons.append(because("INPUT", "the scene fires blanks but has only non-firing replicas."))
    for p in cmd.performers:
        if not state.has_role(p, Role.PERFORMER):
            reasons.append(because("INPUT", f"{state.name_of(p)} is not a performer here."))
    if cmd.closest_distance_ft < 0:
        reasons.append(because("INPUT", "the closest distance cannot be negative."))
    reasons += protection_is_written_down(cmd)
    signers = sorted(p for p in {cmd.actor, *witnesses_of(cmd)} if p and state.is_armorer(p))
    signer = signers[0] if signers else None
    reasons += pointing_at_people_needs_armorer_sign_off(state, cmd, signer)
    reasons += close_blanks_need_protection(
        state, cmd.closest_distance_ft, cmd.fires_blanks, cmd.protection, cmd.scene
    )
    if (
        cmd.fires_blanks
        and cmd.closest_distance_ft < settings_of(state).min_blank_distance_ft
        and cmd.protection
        and signer is None
    ):
        reasons.append(because("R18", "a close-distance exception needs the armorer's sign-off."))
    if (refusal := refuse(reasons)) is not None:
        return refusal
    old = state.scenes.get(cmd.scene)
    shape = (
        tuple(cmd.weapons),
        tuple(cmd.performers),
        cmd.fires_blanks,
        cmd.points_at_people_or_camera,
        cmd.closest_distance_ft,
        tuple(cmd.protection),
        cmd.setup,
        cmd.day,
    )
    revision = 1
    if old is not None:
        old_shape = (
            old.weapons,
            old.performers,
            old.fires_blanks,
            old.points_at_people_or_camera,
            old.closest_distance_ft,
            old.protection,
            old.setup,
            old.day,
        )
        revision = old.revision + (old_shape != shape)
    return [
        Env(cmd)(
            ev.ScenePlanned,
            scene=cmd.scene,
            day=cmd.day,
            title=cmd.title,
            setup=cmd.setup,
            weapons=tuple(cmd.weapons),
            performers=tuple(cmd.performers),
            fires_blanks=cmd.fires_blanks,
            points_at_people_or_camera=cmd.points_at_people_or_camera,
            closest_distance_ft=cmd.closest_distance_ft,
            protection=tuple(cmd.protection),
            signed_off_by=signer,
            revision=revision,
        )
    ]


@handles(c.HoldSafetyMeeting)
def _hold_meeting(state: ProductionState, cmd: c.HoldSafetyMeeting) -> Decision:
    reasons: list[Reason] = []
    if cmd.meeting in state.meetings:
        reasons.append(because("INPUT", f"meeting {cmd.meeting} is already recorded."))
    for s in cmd.scenes:
        plan = state.scenes.get(s)
        if plan is None:
            reasons.append(because("INPUT", f"there is no scene {s} — plan it first."))
        elif plan.day != cmd.day:
            reasons.append(
                because(
                    "R17",
                    f"scene {s} is planned for {plan.day}, not {cmd.day}; hold "
                    "the meeting on the day of the scene.",
                )
            )
    today = shoot_day_of(state, cmd)
    if cmd.day != today:
        reasons.append(
            because(
                "R17",
                f"a safety meeting for {cmd.day} is held on that day — today is {today}; "
                "hold it on the shoot day, before the scene.",
            )
        )
    if not cmd.attendees:
        reasons.append(because("R17", "record who attended the safety meeting."))
    for p in cmd.attendees:
        if p not in state.people:
            reasons.append(because("INPUT", f"{p} is not known to the production."))
    if (refusal := refuse(reasons)) is not None:
        return refusal
    revisions = tuple(state.scenes[s].revision for s in cmd.scenes)
    return [
        Env(cmd)(
            ev.SafetyMeetingHeld,
            meeting=cmd.meeting,
            day=cmd.day,
            scenes=tuple(cmd.scenes),
            scene_revisions=revisions,
            attendees=tuple(dict.fromkeys(cmd.attendees)),
            notes=cmd.notes,
        )
    ]


def an_incident_names_what_it_is_about(state: ProductionState, cmd: c.OpenIncident) -> Reasons:
    """Every weapon, lot, scene and person an incident names exists on this production."""
    for w in (*([cmd.weapon] if cmd.weapon else []), *cmd.weapons):
        if w not in state.weapons:
            yield because(
                "INPUT",
                f"there is no weapon {w} on this production — check the tag on the weapon.",
            )
    for lot in cmd.lots:
        if lot not in state.lots:
            yield because("INPUT", f"there is no lot {lot} on this production.")
    if cmd.scene is not None and cmd.scene not in state.scenes:
        yield because("INPUT", f"there is no scene {cmd.scene} — plan it first or leave it out.")
    for p in cmd.people:
        if p not in state.people:
            yield because("INPUT", f"{p} is not known to the production.")


@handles(c.OpenIncident)
def _open_incident(state: ProductionState, cmd: c.OpenIncident) -> Decision:
    reasons = [
        *an_incident_names_what_it_is_about(state, cmd),
        *the_take_context_is_known(state, cmd.context),
        *the_context_names_the_same_scene(cmd.context, cmd.scene),
    ]
    if not is_written(cmd.description):
        reasons.append(because("INPUT", "describe what happened."))
    if (refusal := refuse(reasons)) is not None:
        return refusal
    weapons = tuple(
        dict.fromkeys(WeaponId(w) for w in (*([cmd.weapon] if cmd.weapon else []), *cmd.weapons))
    )
    return incident_events(
        state,
        Env(cmd),
        kind=cmd.kind or "reported",
        description=cmd.description,
        severity=cmd.severity,
        weapons=weapons,
        lots=tuple(LotId(x) for x in cmd.lots),
        scene=cmd.scene or (cmd.context.scene if cmd.context else None),
        people=cmd.people,
        quarantine=cmd.severity is Severity.STOP,
        context=with_scene(cmd.context, cmd.scene),
    )


@handles(c.CloseIncident)
def _close_incident(state: ProductionState, cmd: c.CloseIncident) -> Decision:
    reasons = list(
        need_role(
            state, cmd, (Role.SAFETY_SUPERVISOR, Role.PRODUCER, *ARMORER_ROLES), "close incidents"
        )
    )
    incident = state.incidents.get(cmd.incident)
    if incident is None:
        reasons.append(because("INPUT", f"there is no incident {cmd.incident}."))
    elif incident.closed_at is not None:
        reasons.append(because("INPUT", f"{cmd.incident} is already closed."))
    if not is_written(cmd.resolution):
        reasons.append(because("INPUT", "say how it was resolved."))
    return refuse(reasons) or [
        Env(cmd)(ev.IncidentClosed, incident=cmd.incident, resolution=cmd.resolution)
    ]


@handles(c.FileSafetyReport)
def _file_report(state: ProductionState, cmd: c.FileSafetyReport) -> Decision:
    reasons: list[Reason] = []
    if cmd.report in state.reports:
        reasons.append(because("INPUT", f"report {cmd.report} is already filed."))
    if not is_written(cmd.text):
        reasons.append(because("INPUT", "say what is unsafe."))
    if (refusal := refuse(reasons)) is not None:
        return refusal
    e = Env(cmd)(ev.SafetyReportFiled, report=cmd.report, text=cmd.text, anonymous=cmd.anonymous)
    if cmd.anonymous:
        e = ev.SafetyReportFiled(
            production=cmd.production,
            at=cmd.at,
            by=None,
            witnesses=(),
            report=cmd.report,
            text=cmd.text,
            anonymous=True,
        )
    return [e]


@handles(c.CloseSafetyReport)
def _close_report(state: ProductionState, cmd: c.CloseSafetyReport) -> Decision:
    reasons = list(
        need_role(
            state,
            cmd,
            (Role.SAFETY_SUPERVISOR, Role.PRODUCER, *ARMORER_ROLES),
            "answer safety reports",
        )
    )
    report = state.reports.get(cmd.report)
    if report is None:
        reasons.append(because("INPUT", f"there is no report {cmd.report}."))
    elif report.closed_at is not None:
        reasons.append(because("INPUT", f"{cmd.report} is already closed."))
    if not is_written(cmd.response):
        reasons.append(because("R22", "answer the report in words before closing it."))
    return refuse(reasons) or [
        Env(cmd)(ev.SafetyReportClosed, report=cmd.report, response=cmd.response)
    ]


@handles(c.StopWork)
def _stop_work(state: ProductionState, cmd: c.StopWork) -> Decision:
    if not is_written(cmd.reason):
        return Refusal((because("INPUT", "say why work stops."),))
    return [Env(cmd)(ev.StopWorkStarted, reason=cmd.reason, incident=None)]


def the_cause_of_the_stop_is_dealt_with(state: ProductionState, cmd: c.LiftStopWork) -> Reasons:
    """R21: every stop-severity incident behind the stop is closed, or carried over in words."""
    sw = state.stop_work
    if sw is None:
        return
    carried = set(cmd.carry_over)
    for incident_id in sorted(set(sw.incidents)):
        incident = state.incidents.get(incident_id)
        if incident is None or incident.closed_at is not None or incident_id in carried:
            continue
        yield because(
            "R21",
            f"{incident_id} ({incident.description}) is still open — close it with a "
            "written resolution, or carry it over (the armorer and the safety supervisor, "
            "with the reason) before work resumes.",
        )
    for incident_id in sorted(carried):
        incident = state.incidents.get(IncidentId(incident_id))
        if incident is None:
            yield because("INPUT", f"there is no incident {incident_id} to carry over.")
        elif incident.closed_at is not None:
            yield because("INPUT", f"{incident_id} is closed; there is nothing to carry over.")
        elif incident_id not in sw.incidents:
            yield because("INPUT", f"{incident_id} is not one of the incidents that stopped work.")
    if carried and not is_written(cmd.carry_over_reason):
        yield because(
            "R21",
            "say in words why the open incident(s) need not keep work stopped "
            "(what was done, what is still to do).",
        )


@handles(c.LiftStopWork)
def _lift_stop_work(state: ProductionState, cmd: c.LiftStopWork) -> Decision:
    reasons = list(armorer_and_safety_supervisor_together(state, cmd, "lift stop-work"))
    sw = state.stop_work
    if sw is None:
        reasons.append(because("INPUT", "work is not stopped."))
    meeting = state.meetings.get(cmd.meeting)
    if meeting is None:
        reasons.append(
            because(
                "R21",
                f"there is no safety meeting {cmd.meeting} — hold a new one "
                "before lifting stop-work.",
            )
        )
    elif sw is not None and not (sw.since < meeting.at <= cmd.at):
        reasons.append(
            because(
                "R21",
                f"meeting {cmd.meeting} was held before work stopped — hold a "
                "new safety meeting first.",
            )
        )
    reasons += the_cause_of_the_stop_is_dealt_with(state, cmd)
    return refuse(reasons) or [
        Env(cmd)(
            ev.StopWorkLifted,
            meeting=cmd.meeting,
            carried_over=tuple(sorted(cmd.carry_over)),
            reason=cmd.carry_over_reason if cmd.carry_over else "",
        )
    ]
