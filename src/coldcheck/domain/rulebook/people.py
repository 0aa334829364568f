"""Production, people, permits, weapon registry and corrections (R01, R26, R27)."""

from __future__ import annotations

import dataclasses

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import MAX_CAPACITY, MAX_SETTINGS, is_person_id, is_written, serial_key
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.ids import is_weapon_tag
from coldcheck.domain.localtime import is_time_zone
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import ARMORER_ROLES, GUARDED_ROLES, Role, Settings, WeaponKind
from coldcheck.domain.rulebook.boundbook import disposition_of, the_acquisition_makes_sense
from coldcheck.domain.rulebook.checks import no_duty_for_an_armorer_holding_weapons, weapons_held_by
from coldcheck.domain.rulebook.hazards import the_mechanism_fits_the_action
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    handles,
    need_role,
    person_exists,
    refuse,
    shoot_day_of,
    weapon_or_refusal,
    witnesses_of,
)
from coldcheck.domain.rulebook.records import (
    the_corrected_values_fit_the_entry,
    the_training_dates_make_sense,
)
from coldcheck.domain.state import Custody, ProductionState


@handles(c.CreateProduction)
def _create_production(state: ProductionState, cmd: c.CreateProduction) -> Decision:
    reasons: list[Reason] = []
    if state.info is not None:
        reasons.append(because("INPUT", f"production {cmd.production} already exists."))
    for name, value in (("title", cmd.title), ("time zone", cmd.time_zone)):
        if not value.strip():
            reasons.append(because("INPUT", f"give the production a {name}."))
    if cmd.time_zone.strip() and not is_time_zone(cmd.time_zone):
        reasons.append(
            because(
                "INPUT",
                f"{cmd.time_zone[:70]!r} is not a time zone — give one like America/Denver "
                "(the zone of the shoot: it decides what 'today' is).",
            )
        )
    if cmd.actor is not None and not is_person_id(cmd.actor):
        reasons.append(because("INPUT", f"'{cmd.actor}' is not a person id."))
    for name, value, bound in (
        ("title", cmd.title, 200),
        ("company", cmd.company, 200),
        ("location", cmd.location, 200),
        ("creator's name", cmd.actor_name, 120),
    ):
        if len(value) > bound:
            reasons.append(because("INPUT", f"the {name} is longer than {bound} characters."))
    reasons += _settings_are_positive(cmd.settings)
    if not cmd.roles:
        reasons.append(because("INPUT", "give the creator at least one role."))
    guarded = sorted({r.value for r in cmd.roles} & {r.value for r in GUARDED_ROLES})
    if len(guarded) > 1:
        reasons.append(
            because(
                "AUTH",
                f"the creator starts with one role that checks others, not {len(guarded)} "
                f"({', '.join(guarded)}) — nobody grants roles to themselves; another person "
                "gives the others, with a second person confirming.",
            )
        )
    if (refusal := refuse(reasons)) is not None:
        return refusal
    env = Env(cmd)
    return [
        env(
            ev.ProductionCreated,
            title=cmd.title,
            company=cmd.company,
            location=cmd.location,
            time_zone=cmd.time_zone,
            settings=cmd.settings,
            creator_name=cmd.actor_name,
            roles=tuple(dict.fromkeys(cmd.roles)),
        )
    ]


def _settings_are_positive(settings: Settings) -> Reasons:
    values = (
        settings.blank_load_window_minutes,
        settings.misfire_wait_seconds,
        settings.armorer_capacity,
        settings.escalation_hours,
        settings.min_blank_distance_ft,
    )
    if min(values) <= 0 or settings.overdue_minutes <= 0:
        yield because("INPUT", "every setting must be a positive number.")
    for f in dataclasses.fields(settings):
        value, limit = getattr(settings, f.name), MAX_SETTINGS.get(f.name)
        if limit is not None and value > limit:
            yield because(
                "INPUT", f"{f.name.replace('_', ' ')} is {value}; at most {limit} is accepted."
            )


@handles(c.ChangeSettings)
def _change_settings(state: ProductionState, cmd: c.ChangeSettings) -> Decision:
    reasons = [
        *need_role(state, cmd, (Role.PRODUCER,), "change the production's settings"),
        *_settings_are_positive(cmd.settings),
    ]
    return refuse(reasons) or [Env(cmd)(ev.SettingsChanged, settings=cmd.settings)]


_ADMIN = (Role.PRODUCER, Role.FIRST_AD, *ARMORER_ROLES)


@handles(c.AddPerson)
def _add_person(state: ProductionState, cmd: c.AddPerson) -> Decision:
    reasons = list(need_role(state, cmd, _ADMIN, "add people"))
    if cmd.person in state.people:
        reasons.append(
            because("INPUT", f"{state.name_of(cmd.person)} is already on the production.")
        )
    if not is_written(cmd.name):
        reasons.append(because("INPUT", "give the person's name."))
    if not is_person_id(cmd.person):
        reasons.append(
            because(
                "INPUT",
                f"'{cmd.person}' is not a person id — use ASCII letters, digits, '.', '_' "
                "or '-' (like nora-bell), never a tag like W-0001.",
            )
        )
    return refuse(reasons) or [Env(cmd)(ev.PersonAdded, person=cmd.person, name=cmd.name)]


@handles(c.AssignRole)
def _assign_role(state: ProductionState, cmd: c.AssignRole) -> Decision:
    reasons = [
        *need_role(state, cmd, _ADMIN, "assign roles"),
        *person_exists(state, cmd.person),
        *nobody_grants_a_role_to_themselves(state, cmd),
        *a_guarded_role_needs_a_second_person(state, cmd),
    ]
    if state.has_role(cmd.person, cmd.role):
        reasons.append(because("INPUT", f"{state.name_of(cmd.person)} already is {cmd.role}."))
    return refuse(reasons) or [Env(cmd)(ev.RoleAssigned, person=cmd.person, role=cmd.role)]


def nobody_grants_a_role_to_themselves(state: ProductionState, cmd: c.AssignRole) -> Reasons:
    """A role is always given by someone else."""
    if cmd.person == cmd.actor:
        yield because(
            "AUTH",
            f"nobody gives a role to themselves — ask another producer or armorer to make "
            f"{state.name_of(cmd.person)} {cmd.role.value.replace('_', ' ')}.",
        )


def a_guarded_role_needs_a_second_person(state: ProductionState, cmd: c.AssignRole) -> Reasons:
    """Armorer, assistant armorer, safety supervisor and producer: a second person confirms.

    The second person is neither the one giving the role nor the one receiving it.
    """
    if cmd.role not in GUARDED_ROLES:
        return
    if not any(p != cmd.person and state.roles.get(p) for p in witnesses_of(cmd)):
        yield because(
            "AUTH",
            f"making someone {cmd.role.value.replace('_', ' ')} needs a second person's "
            "confirmation — someone on the production, neither giving nor receiving the "
            "role, confirms with their own PIN.",
        )


@handles(c.EndRole)
def _end_role(state: ProductionState, cmd: c.EndRole) -> Decision:
    reasons = list(need_role(state, cmd, _ADMIN, "end roles"))
    if not state.has_role(cmd.person, cmd.role):
        reasons.append(because("INPUT", f"{state.name_of(cmd.person)} is not {cmd.role}."))
    held = weapons_held_by(state, cmd.person)
    if held:
        tags = ", ".join(sorted(w.weapon.id for w in held))
        reasons.append(
            because(
                "R09",
                f"{state.name_of(cmd.person)} still has {tags} — get every "
                "weapon back to storage before ending the role.",
            )
        )
    return refuse(reasons) or [Env(cmd)(ev.RoleEnded, person=cmd.person, role=cmd.role)]


@handles(c.AssignDuty)
def _assign_duty(state: ProductionState, cmd: c.AssignDuty) -> Decision:
    reasons = [
        *need_role(state, cmd, _ADMIN, "assign duties"),
        *person_exists(state, cmd.person),
        *no_duty_for_an_armorer_holding_weapons(state, cmd),
    ]
    if not cmd.duty.strip():
        reasons.append(because("INPUT", "name the duty."))
    return refuse(reasons) or [Env(cmd)(ev.DutyAssigned, person=cmd.person, duty=cmd.duty)]


@handles(c.EndDuty)
def _end_duty(state: ProductionState, cmd: c.EndDuty) -> Decision:
    reasons = list(need_role(state, cmd, _ADMIN, "end duties"))
    if cmd.duty not in state.duties.get(cmd.person, frozenset()):
        reasons.append(because("INPUT", f"{state.name_of(cmd.person)} has no duty '{cmd.duty}'."))
    return refuse(reasons) or [Env(cmd)(ev.DutyEnded, person=cmd.person, duty=cmd.duty)]


@handles(c.RecordTraining)
def _record_training(state: ProductionState, cmd: c.RecordTraining) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "record training"),
        *person_exists(state, cmd.person),
        *the_training_dates_make_sense(cmd, shoot_day_of(state, cmd)),
    ]
    return refuse(reasons) or [
        Env(cmd)(
            ev.TrainingRecorded,
            person=cmd.person,
            action=cmd.action,
            note=cmd.note,
            course=cmd.course,
            trained_on=cmd.trained_on,
            expires=cmd.expires,
        )
    ]


@handles(c.RecordPermit)
def _record_permit(state: ProductionState, cmd: c.RecordPermit) -> Decision:
    reasons = [
        *need_role(state, cmd, (Role.PRODUCER, *ARMORER_ROLES), "record permits"),
        *person_exists(state, cmd.person),
    ]
    if not cmd.number.strip():
        reasons.append(because("INPUT", "give the permit number."))
    return refuse(reasons) or [
        Env(cmd)(
            ev.PermitRecorded,
            person=cmd.person,
            kind=cmd.kind,
            number=cmd.number,
            expires=cmd.expires,
        )
    ]


@handles(c.RecordLiveException)
def _record_live_exception(state: ProductionState, cmd: c.RecordLiveException) -> Decision:
    reasons = [
        *need_role(state, cmd, (Role.PRODUCER,), "record a §9155 exception"),
        *person_exists(state, cmd.supervisor),
    ]
    if not is_written(cmd.purpose):
        reasons.append(
            because("R01", "say what the exception is for (range training, sound recording).")
        )
    if cmd.supervisor == cmd.actor:
        reasons.append(
            because(
                "R01",
                "the supervisor of a §9155 exception is someone other than the producer "
                "recording it — name the supervisor; they confirm with their own PIN.",
            )
        )
    elif cmd.supervisor not in witnesses_of(cmd):
        reasons.append(
            because(
                "R01",
                f"{state.name_of(cmd.supervisor)} confirms supervising the exception with "
                "their own PIN.",
            )
        )
    return refuse(reasons) or [
        Env(cmd)(ev.LiveExceptionRecorded, supervisor=cmd.supervisor, purpose=cmd.purpose)
    ]


@handles(c.RegisterWeapon)
def _register_weapon(state: ProductionState, cmd: c.RegisterWeapon) -> Decision:
    reasons = list(need_role(state, cmd, ARMORER_ROLES, "register weapons"))
    if not is_weapon_tag(cmd.weapon):
        reasons.append(because("INPUT", f"'{cmd.weapon}' is not a weapon tag — use W-0001 style."))
    elif cmd.weapon in state.weapons:
        reasons.append(because("INPUT", f"{cmd.weapon} is already registered."))
    key = serial_key(cmd.serial)
    twins = [
        w.weapon.id
        for w in state.weapons.values()
        if serial_key(w.weapon.serial) == key and not w.retired
    ]
    if twins:
        reasons.append(
            because(
                "INPUT",
                f"serial {cmd.serial.strip()} is already registered as {twins[0]} (serials "
                "are compared without case, spaces or invisible characters).",
            )
        )
    if not is_written(cmd.serial) or not is_written(cmd.calibre):
        reasons.append(because("INPUT", "give the serial number and the calibre."))
    replica = cmd.kind is WeaponKind.REPLICA
    if replica != (cmd.action is ActionType.REPLICA):
        reasons.append(
            because("INPUT", "a replica has the replica action, and only a replica has.")
        )
    if not replica and cmd.capacity < 1:
        reasons.append(because("INPUT", "give the weapon's capacity (at least 1)."))
    if replica and cmd.capacity != 0:
        reasons.append(because("INPUT", "a non-firing replica holds no rounds: capacity 0."))
    most = MAX_CAPACITY[cmd.action]
    if not replica and cmd.capacity > most:
        reasons.append(
            because(
                "INPUT",
                f"a {cmd.action.value.replace('_', ' ')} holds at most {most} rounds, not "
                f"{cmd.capacity} — check the capacity.",
            )
        )
    reasons += the_mechanism_fits_the_action(cmd)
    reasons += the_acquisition_makes_sense(cmd, shoot_day_of(state, cmd))
    if reasons:
        return Refusal(tuple(reasons))
    return [
        Env(cmd)(
            ev.WeaponRegistered,
            weapon=cmd.weapon,
            name=cmd.name,
            make=cmd.make,
            model=cmd.model,
            serial=cmd.serial,
            calibre=cmd.calibre,
            owner=cmd.owner,
            kind=cmd.kind,
            action=cmd.action,
            capacity=cmd.capacity,
            transfer_bar=cmd.transfer_bar,
            select_fire=cmd.select_fire,
            open_bolt=cmd.open_bolt,
            slam_fire=cmd.slam_fire,
            drop_safety=cmd.drop_safety,
            decocker=cmd.decocker,
            importer=cmd.importer,
            country=cmd.country,
            firearm_type=cmd.firearm_type,
            acquisition=cmd.acquisition,
        )
    ]


@handles(c.RetireWeapon)
def _retire_weapon(state: ProductionState, cmd: c.RetireWeapon) -> Decision:
    ws = weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = list(need_role(state, cmd, ARMORER_ROLES, "retire weapons"))
    if ws.location is not Custody.STORAGE:
        reasons.append(because("R09", f"{ws.weapon.id} is out — return it to storage first."))
    if ws.retired:
        reasons.append(because("INPUT", f"{ws.weapon.id} is already retired."))
    disposition = disposition_of(state, cmd, ws, shoot_day_of(state, cmd))
    if isinstance(disposition, list):
        return Refusal((*reasons, *disposition))
    return refuse(reasons) or [
        Env(cmd)(ev.WeaponRetired, weapon=ws.weapon.id, disposition=disposition)
    ]


@handles(c.Correct)
def _correct(state: ProductionState, cmd: c.Correct) -> Decision:
    reasons = list(need_role(state, cmd, (Role.PRODUCER, *ARMORER_ROLES), "record corrections"))
    # ``corrects`` is a position in the server's log, which the domain does not
    # see; the service checks that it names an earlier event of this production.
    if cmd.corrects < 0:
        reasons.append(
            because(
                "R27",
                f"there is no event {cmd.corrects} to correct — corrections "
                "name an earlier event of this production's log by its position.",
            )
        )
    if not is_written(cmd.reason):
        reasons.append(because("R27", "say what was wrong and what is right."))
    reasons.extend(the_corrected_values_fit_the_entry(state, cmd))
    return refuse(reasons) or [
        Env(cmd)(
            ev.CorrectionRecorded,
            corrects=cmd.corrects,
            reason=cmd.reason,
            weapons=cmd.weapons,
            lots=cmd.lots,
            containers=cmd.containers,
            incidents=cmd.incidents,
            people=cmd.people,
            of_type=cmd.of_type,
            subject=cmd.subject,
            changes=cmd.changes,
        )
    ]
