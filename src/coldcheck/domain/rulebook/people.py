"""Production, people, permits, weapon registry and corrections (R01, R26, R27)."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.ids import is_weapon_tag
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import ARMORER_ROLES, Role, Settings, WeaponKind
from coldcheck.domain.rulebook.checks import no_duty_for_an_armorer_holding_weapons, weapons_held_by
from coldcheck.domain.rulebook.kit import (
    Decision,
    Env,
    Reasons,
    because,
    handles,
    need_role,
    person_exists,
    refuse,
    weapon_or_refusal,
)
from coldcheck.domain.state import Custody, ProductionState
from coldcheck.domain.zones import is_time_zone


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
                f"{cmd.time_zone[:70]!r} is not a time zone; use a name like America/Denver"
                " or Europe/London.",
            )
        )
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
    if min(values) <= 0:
        yield because("INPUT", "every setting must be a positive number.")


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
    if not cmd.name.strip():
        reasons.append(because("INPUT", "give the person's name."))
    return refuse(reasons) or [Env(cmd)(ev.PersonAdded, person=cmd.person, name=cmd.name)]


@handles(c.AssignRole)
def _assign_role(state: ProductionState, cmd: c.AssignRole) -> Decision:
    reasons = [*need_role(state, cmd, _ADMIN, "assign roles"), *person_exists(state, cmd.person)]
    if state.has_role(cmd.person, cmd.role):
        reasons.append(because("INPUT", f"{state.name_of(cmd.person)} already is {cmd.role}."))
    return refuse(reasons) or [Env(cmd)(ev.RoleAssigned, person=cmd.person, role=cmd.role)]


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
    ]
    return refuse(reasons) or [
        Env(cmd)(ev.TrainingRecorded, person=cmd.person, action=cmd.action, note=cmd.note)
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
    if not cmd.purpose.strip():
        reasons.append(
            because("R01", "say what the exception is for (range training, sound recording).")
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
    if any(w.weapon.serial == cmd.serial and not w.retired for w in state.weapons.values()):
        reasons.append(because("INPUT", f"serial {cmd.serial} is already registered."))
    if not cmd.serial.strip() or not cmd.calibre.strip():
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
    return refuse(reasons) or [Env(cmd)(ev.WeaponRetired, weapon=ws.weapon.id)]


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
    if not cmd.reason.strip():
        reasons.append(because("R27", "say what was wrong and what is right."))
    return refuse(reasons) or [
        Env(cmd)(ev.CorrectionRecorded, corrects=cmd.corrects, reason=cmd.reason)
    ]
