"""What issue 18 adds to the records: take context, the authorising meeting, the
compliance contact (R29) and dated training (R14).

* Every firearm event (load, handoff, take-back, firing, misfire, discharge,
  incident) may carry a :class:`TakeContext`: the scene it names must be
  planned, a take number is 1 or more. The context is what the command said;
  nothing is guessed.
* A blank load names the safety meeting that authorised it (R17): the one the
  command names, which must have been held today, before the load, with
  attendees, for the scene as now planned; or, when it names none, the newest
  such meeting.
* R29: a production names its compliance contact (California Labor Code §9153)
  before a weapon is first handed to a performer.
* R27 (ATF Ruling 2016-1): a correction names its entry and the corrected
  values, each checked against the entry's type (:mod:`coldcheck.domain.correcting`).
* R14: training recorded with an expiry no longer counts after that date.
"""

from __future__ import annotations

from datetime import date

from coldcheck.domain import commands as c
from coldcheck.domain.bounds import field_out_of_bounds, is_written, serial_key
from coldcheck.domain.correcting import (
    correctable_fields,
    decode,
    field_types,
    shown,
    text_of,
    why_not,
)
from coldcheck.domain.events import EVENT_TYPES
from coldcheck.domain.ids import MeetingId, PersonId, SceneId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import SafetyMeeting, TakeContext
from coldcheck.domain.rulebook.kit import Reasons, because, settings_of, shoot_day_of
from coldcheck.domain.state import ProductionState


def the_take_context_is_known(state: ProductionState, context: TakeContext | None) -> Reasons:
    """A scene named in the context is planned; a take number is 1 or more."""
    if context is None:
        return
    if context.scene is not None and context.scene not in state.scenes:
        yield because(
            "INPUT",
            f"scene {context.scene} is not planned — plan it first, or leave the scene out.",
        )
    if context.take is not None and context.take < 1:
        yield because("INPUT", f"take {context.take}: a take number is 1 or more.")


def with_scene(context: TakeContext | None, scene: SceneId | None) -> TakeContext | None:
    """The context with the command's own scene filled in (a load or incident names one)."""
    if scene is None:
        return context
    if context is None:
        return TakeContext(scene=scene)
    if context.scene is None:
        return TakeContext(scene, context.setup, context.take, context.rehearsal)
    return context


def the_context_names_the_same_scene(context: TakeContext | None, scene: SceneId | None) -> Reasons:
    """A command that names a scene twice (its own field and its context) names one scene."""
    if context is not None and context.scene is not None and scene not in (None, context.scene):
        yield because(
            "INPUT",
            f"the command is for scene {scene} but its take context says scene "
            f"{context.scene} — name one scene.",
        )


def _authorises(state: ProductionState, m: SafetyMeeting, cmd: c.LoadWeapon) -> bool:
    plan = state.scenes.get(cmd.scene) if cmd.scene else None
    if plan is None:
        return False
    today = shoot_day_of(state, cmd)
    held_today = m.day == today and state.local_day(m.at) == today
    if not (held_today and plan.day == today and m.at <= cmd.at and m.attendees):
        return False
    return any(
        s == plan.id and rev == plan.revision
        for s, rev in zip(m.scenes, m.scene_revisions, strict=True)
    )


def authorising_meeting(state: ProductionState, cmd: c.LoadWeapon) -> MeetingId | None:
    """The meeting that authorises this blank load (R17): the named one if it does, else
    the newest that does; None when none does."""
    if cmd.meeting is not None:
        m = state.meetings.get(cmd.meeting)
        return m.id if m is not None and _authorises(state, m, cmd) else None
    valid = [m for m in state.meetings.values() if _authorises(state, m, cmd)]
    return max(valid, key=lambda m: m.at).id if valid else None


def the_named_meeting_authorises_the_load(state: ProductionState, cmd: c.LoadWeapon) -> Reasons:
    """R17: a meeting the load names was held today, before it, for its scene as now planned."""
    if cmd.meeting is None or authorising_meeting(state, cmd) is not None:
        return
    if cmd.meeting not in state.meetings:
        yield because("INPUT", f"there is no safety meeting {cmd.meeting}.")
        return
    yield because(
        "R17",
        f"safety meeting {cmd.meeting} does not cover scene {cmd.scene} as now planned "
        "today — name the meeting held for it, or hold one.",
    )


def a_compliance_contact_is_named(state: ProductionState) -> Reasons:
    """R29: Labor Code §9153 — the production names who answers for firearm compliance."""
    if not is_written(settings_of(state).compliance_contact):
        yield because(
            "R29",
            "the production has no compliance contact (California Labor Code §9153) — the "
            "producer names one in the production's settings before the first weapon is "
            "issued.",
        )


def training_has_not_expired(
    state: ProductionState, person: PersonId, action: ActionType, day: date
) -> Reasons:
    """R14: training recorded with an expiry counts through that date only."""
    record = state.training_for(person, action)
    if record is not None and record.expired_on(day):
        kind = action.value.replace("_", " ")
        course = f" ({record.course})" if record.course else ""
        yield because(
            "R14",
            f"{state.name_of(person)}'s training on the {kind}{course} expired on "
            f"{record.expires} — train them again and record it first.",
        )


def the_training_dates_make_sense(cmd: c.RecordTraining, today: date) -> Reasons:
    """A training is not dated in the future, and does not expire before it took place."""
    if cmd.trained_on is not None and cmd.trained_on > today:
        yield because(
            "INPUT",
            f"the training date {cmd.trained_on} is in the future — give the day it took place.",
        )
    if cmd.trained_on is not None and cmd.expires is not None and cmd.expires < cmd.trained_on:
        yield because(
            "INPUT",
            f"the training expires ({cmd.expires}) before it took place ({cmd.trained_on}).",
        )


def the_corrected_values_fit_the_entry(state: ProductionState, cmd: c.Correct) -> Reasons:
    """R27 (ATF Ruling 2016-1): each corrected value names a correctable field of the
    corrected entry, decodes to its type, passes the bounds a new entry's value does, and
    changes something; a corrected serial is nobody else's, a corrected scene is planned."""
    if not cmd.changes:
        return
    cls = EVENT_TYPES.get(cmd.of_type)
    if cls is None:
        yield because(
            "R27",
            f"the entry at log position {cmd.corrects} is not known — name the entry to "
            "correct by its position in the timeline.",
        )
        return
    types_of = field_types(cls)
    allowed = correctable_fields(cmd.of_type)
    seen: set[str] = set()
    for change in cmd.changes:
        name = shown(change.field)
        if change.field in seen:
            yield because("INPUT", f"{name} is named twice — give one corrected value a field.")
            continue
        seen.add(change.field)
        annotation = types_of.get(change.field)
        if annotation is None:
            choose = (
                f"correct one of: {', '.join(allowed)}"
                if allowed
                else "none of its fields can be corrected; say what was wrong in the reason"
            )
            yield because(
                "INPUT", f"a {cmd.of_type} entry has no field {change.field!r} — {choose}."
            )
            continue
        refused = why_not(cmd.of_type, change.field, annotation)
        if refused is not None:
            yield because("R27", refused)
            continue
        try:
            value = decode(change.field, annotation, change.value)
        except ValueError as exc:
            yield because("INPUT", str(exc))
            continue
        leaf = change.field.rsplit(".", 1)[-1]
        for problem in field_out_of_bounds(leaf, value, annotation):
            yield because("INPUT", problem)
        yield from _the_value_makes_sense(state, cmd, change.field, value)
        if text_of(value) == change.was:
            yield because(
                "INPUT", f"{name} already reads {change.was!r} — there is nothing to correct."
            )


def _the_value_makes_sense(
    state: ProductionState, cmd: c.Correct, path: str, value: object
) -> Reasons:
    """What a new entry's value must be, the corrected one must be too."""
    name = shown(path)
    if isinstance(value, str) and not path.startswith("context.") and not is_written(value):
        yield because("INPUT", f"{name} cannot be corrected to nothing — give the right value.")
    if path == "context.scene" or path == "context.take":
        yield from the_take_context_is_known(
            state,
            TakeContext(scene=value) if path == "context.scene" else TakeContext(take=value),  # type: ignore[arg-type]
        )
    if cmd.of_type == "WeaponRegistered" and path == "serial" and isinstance(value, str):
        twins = [
            ws.weapon.id
            for ws in state.weapons.values()
            if ws.weapon.id != cmd.subject and serial_key(ws.weapon.serial) == serial_key(value)
        ]
        if twins:
            yield because(
                "INPUT",
                f"serial {value.strip()} is already registered as {twins[0]} (serials are "
                "compared without case, spaces or invisible characters).",
            )
