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
* R14: training recorded with an expiry no longer counts after that date.
"""

from __future__ import annotations

from datetime import date

from coldcheck.domain import commands as c
from coldcheck.domain.bounds import is_written
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
