"""The safety rules R01-R28: ``decide(state, command) -> list[Event] | Refusal``.

Each rule is a small function named as a sentence that yields the
:class:`Reason` s a command breaks; a handler runs every rule that guards its
command, so a refusal lists every reason at once.  ``decide`` is pure: no
clock (time is ``command.at``), no IO, no randomness; incident numbers are
derived from the state (``I-0001``...).

Time windows compare command times only:

* R13: blanks are loaded for ``LoadWeapon.scene`` at most
  ``blank_load_window_minutes`` before ``LoadWeapon.take_at`` and not after it.
* R19: after a misfire recorded at ``t``, inspecting, bore-checking or
  unloading that weapon is refused before ``t + misfire_wait_seconds``.
* R21: lifting stop-work needs a safety meeting held after the stop began.
* R26: a permit counts through its expiry date (UTC date of ``command.at``).

Confirmations (``command.confirmations``) are persons the service verified
with their own PIN for this command; the actor is never counted as their
own witness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.errors import InvalidCommand, Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import (
    IncidentId,
    LotId,
    PersonId,
    WeaponId,
    is_container_tag,
    is_lot_tag,
    is_weapon_tag,
    next_incident_id,
)
from coldcheck.domain.mechanics import (
    FIREABLE,
    ActionType,
    RoundState,
    has_exposed_hammer_hazard,
    inspection_checklist,
)
from coldcheck.domain.model import (
    ARMORER_ROLES,
    PRODUCTION_REPRESENTATIVE_ROLES,
    BoreFinding,
    Disposition,
    PermitKind,
    Role,
    RoundClass,
    Settings,
    Severity,
    StorageLocation,
    WeaponKind,
)
from coldcheck.domain.state import (
    EMPTY,
    Custody,
    DayState,
    ProductionState,
    WeaponState,
    unresolved_days,
)

__all__ = ["Decision", "Reason", "Refusal", "decide"]

Decision = list[Event] | Refusal
Reasons = Iterator[Reason]
C = TypeVar("C", bound=c.BaseCommand)


def _r(rule: str, message: str) -> Reason:
    return Reason(rule, message)


def _names(state: ProductionState, people: Iterable[PersonId | None]) -> str:
    names = sorted(state.name_of(p) for p in people)
    if not names:
        return "nobody"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _armorers(state: ProductionState) -> str:
    people = [p for p in state.roles if state.is_armorer(p)]
    return _names(state, people) if people else "the armorer"


def _settings(state: ProductionState) -> Settings:
    return state.info.settings if state.info else Settings()


@dataclass(frozen=True)
class _Env:
    """Envelope fields copied from the command onto every event it produces."""

    cmd: c.BaseCommand

    def __call__(self, cls: type[Any], **payload: Any) -> Any:
        return cls(
            production=self.cmd.production,
            at=self.cmd.at,
            by=self.cmd.actor,
            witnesses=tuple(sorted(self.cmd.confirmations - {self.cmd.actor})),
            **payload,
        )


def _witnesses(cmd: c.BaseCommand) -> frozenset[PersonId]:
    return frozenset(p for p in cmd.confirmations if p != cmd.actor)


# ---------------------------------------------------------------------------
# Generic checks
# ---------------------------------------------------------------------------


def command_is_for_this_production(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    if cmd.production != state.production:
        yield _r("INPUT", f"this command is for {cmd.production}, not {state.production}.")
    elif state.info is None and not isinstance(cmd, c.CreateProduction):
        yield _r("INPUT", f"production {cmd.production} does not exist — create it first.")


def time_is_utc(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    offset = cmd.at.utcoffset()
    if offset is None or offset != timedelta(0):
        yield _r("INPUT", "the command's time must be a UTC time with its offset.")


def actor_is_known(state: ProductionState, cmd: c.BaseCommand) -> Reasons:
    if isinstance(cmd, c.CreateProduction) or state.info is None:
        if cmd.actor is None:
            yield _r("INPUT", "say who is asking.")
        return
    if cmd.actor is None:
        if not (isinstance(cmd, c.FileSafetyReport) and cmd.anonymous):
            yield _r("INPUT", "say who is asking; only a safety report may be anonymous.")
        return
    if not state.roles.get(cmd.actor):
        yield _r("AUTH", f"{state.name_of(cmd.actor)} has no role on this production.")
    unknown = sorted(p for p in cmd.confirmations if p not in state.people)
    if unknown:
        yield _r("INPUT", f"{', '.join(unknown)} confirmed but are not known to the production.")


def _need_role(
    state: ProductionState, cmd: c.BaseCommand, roles: Iterable[Role], what: str
) -> Reasons:
    wanted = frozenset(roles)
    if not state.has_role(cmd.actor, *wanted):
        who = ", ".join(sorted(r.value.replace("_", " ") for r in wanted))
        yield _r("AUTH", f"only a {who} can {what}; {state.name_of(cmd.actor)} cannot.")


# ---------------------------------------------------------------------------
# Rules named as sentences
# ---------------------------------------------------------------------------


def only_a_qualified_armorer_handles_weapons(
    state: ProductionState, cmd: c.BaseCommand, what: str
) -> Reasons:
    """R06 (role) and R26 (armorer permit not expired)."""
    actor = cmd.actor
    if not state.is_armorer(actor):
        yield _r("R06", f"only a qualified armorer can {what} — ask {_armorers(state)}.")
        return
    assert actor is not None
    permits = [p for p in state.permits.get(actor, ()) if p.kind is PermitKind.ARMORER]
    if not permits:
        yield _r(
            "R26",
            f"{state.name_of(actor)} has no armorer permit on record — "
            f"record a current permit before they {what}.",
        )
    elif not any(p.valid_at(cmd.at) for p in permits):
        expired = max(p.expires for p in permits)
        yield _r(
            "R26",
            f"{state.name_of(actor)}'s armorer permit expired on {expired} — "
            f"renew it before they {what}.",
        )


def machine_guns_need_a_current_sot_licence(
    state: ProductionState, cmd: c.BaseCommand, ws: WeaponState
) -> Reasons:
    """R26: FFL/SOT for a machine gun."""
    if not ws.weapon.needs_sot or cmd.actor is None:
        return
    ok = any(
        p.kind is PermitKind.FFL_SOT and p.valid_at(cmd.at)
        for p in state.permits.get(cmd.actor, ())
    )
    if not ok:
        yield _r(
            "R26",
            f"{ws.weapon.id} is a machine gun: {state.name_of(cmd.actor)} needs a "
            "current FFL/SOT licence on record before taking custody.",
        )


def armorer_with_weapons_out_has_no_other_duty(
    state: ProductionState, person: PersonId | None
) -> Reasons:
    """R07."""
    if person is None:
        return
    duties = state.duties.get(person, frozenset())
    if duties and state.is_armorer(person):
        yield _r(
            "R07",
            f"{state.name_of(person)} also has the duty {', '.join(sorted(duties))}; "
            "an armorer with weapons out does nothing else — end that duty first.",
        )


def weapons_held_by(state: ProductionState, person: PersonId) -> list[WeaponState]:
    return [
        w
        for w in state.weapons_out()
        if w.holder == person or (w.location is Custody.PERFORMER and w.issued_by == person)
    ]


def no_duty_for_an_armorer_holding_weapons(state: ProductionState, cmd: c.AssignDuty) -> Reasons:
    """R07: assigning another duty to an armorer with weapons out is refused."""
    held = weapons_held_by(state, cmd.person)
    if held and state.is_armorer(cmd.person):
        tags = ", ".join(sorted(w.weapon.id for w in held))
        yield _r(
            "R07",
            f"{state.name_of(cmd.person)} has weapons out ({tags}); an armorer "
            f"with weapons out has no other duty — give '{cmd.duty}' to someone else.",
        )


def stop_work_halts_issue_and_loading(state: ProductionState, what: str) -> Reasons:
    """R21."""
    if state.stop_work is not None:
        why = "; ".join(state.stop_work.reasons)
        yield _r(
            "R21",
            f"STOP WORK is in force ({why}) — no {what} until the armorer and the "
            "safety supervisor lift it after a new safety meeting.",
        )


def weapon_is_not_quarantined(ws: WeaponState, what: str) -> Reasons:
    """R20 (and R01): a quarantined weapon is out of use."""
    if ws.quarantined:
        yield _r(
            "R20",
            f"{ws.weapon.id} is quarantined ({ws.quarantine_reason}) — no {what} "
            "until the armorer inspects and clears it.",
        )


def weapon_is_in_armorer_custody(state: ProductionState, ws: WeaponState) -> Reasons:
    """R08/R09: loading, unloading and inspecting happen with the armorer."""
    if ws.location is Custody.STORAGE:
        yield _r("R09", f"{ws.weapon.id} is in storage — take it out of storage first.")
    elif ws.location is Custody.PERFORMER:
        yield _r(
            "R08",
            f"{ws.weapon.id} is with {state.name_of(ws.holder)} — the armorer takes it back first.",
        )


def misfire_wait_has_passed(state: ProductionState, cmd: c.BaseCommand, ws: WeaponState) -> Reasons:
    """R19."""
    if ws.misfire is None:
        return
    ready = ws.misfire.at + _settings(state).misfire_wait
    if cmd.at < ready:
        left = (ready - cmd.at).total_seconds()
        yield _r(
            "R19",
            f"{ws.weapon.id} misfired in {ws.misfire.position} — keep it pointed "
            f"safe for {left:g} more seconds before clearing it.",
        )


def no_handoff_before_misfire_cleared(ws: WeaponState) -> Reasons:
    """R19: a misfired weapon is cleared by inspection before anything else."""
    if ws.misfire is not None:
        yield _r(
            "R19",
            f"{ws.weapon.id} misfired in {ws.misfire.position} — clear it with an "
            "inspection first.",
        )


def bore_is_checked_before_loading(ws: WeaponState) -> Reasons:
    """R15 (after firing) and R16 (after dummies, before blanks)."""
    due = ws.bore_check_due
    if due in ("fired", "misfire"):
        yield _r(
            "R15", f"blanks were fired in {ws.weapon.id} — check the bore before the next load."
        )
    elif due == "dummies":
        yield _r(
            "R16",
            f"dummies came out of {ws.weapon.id} — check the bore before "
            "anything is loaded (a bullet left in the barrel is what killed Brandon Lee).",
        )
    elif due == "obstructed":
        yield _r(
            "R16",
            f"the bore of {ws.weapon.id} was found obstructed — clear it and check "
            "again before anything is loaded.",
        )


def weapon_is_inspected(ws: WeaponState, what: str) -> Reasons:
    """R10/R15: nothing happens to an unverified weapon but an inspection."""
    if ws.inspection is None:
        yield _r(
            "R10",
            f"{ws.weapon.id} is unverified — inspect every position and the bore "
            f"before you {what}.",
        )


def no_live_or_unknown_round(ws: WeaponState) -> Reasons:
    """R01."""
    bad = ws.holds(RoundState.LIVE, RoundState.UNKNOWN)
    if bad:
        yield _r(
            "R01",
            f"{ws.weapon.id} holds a live or unidentified round in "
            f"{', '.join(bad)} — never hand it over; unload it for destruction and "
            "keep it quarantined.",
        )


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


Handler = Callable[[ProductionState, Any], Decision]
_HANDLERS: dict[type[c.BaseCommand], Handler] = {}


def _handles(
    cls: type[C],
) -> Callable[[Callable[[ProductionState, C], Decision]], Callable[[ProductionState, C], Decision]]:
    def register(
        fn: Callable[[ProductionState, C], Decision],
    ) -> Callable[[ProductionState, C], Decision]:
        _HANDLERS[cls] = fn
        return fn

    return register


def _refuse(reasons: Iterable[Reason]) -> Refusal | None:
    collected = tuple(dict.fromkeys(reasons))
    return Refusal(collected) if collected else None


def decide(state: ProductionState, command: c.Command) -> Decision:
    """Events for a command that keeps everyone safe, or every reason it does not."""
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise InvalidCommand(f"not a command: {command!r}")
    basic = _refuse(
        [
            *command_is_for_this_production(state, command),
            *time_is_utc(state, command),
            *actor_is_known(state, command),
        ]
    )
    if basic is not None:
        return basic
    return handler(state, command)


def _weapon_or_refusal(state: ProductionState, weapon: str) -> WeaponState | Refusal:
    ws: WeaponState | None = state.weapons.get(WeaponId(weapon))
    if ws is None:
        return Refusal(
            (
                _r(
                    "INPUT",
                    f"there is no weapon {weapon} on this production — "
                    "check the tag on the weapon.",
                ),
            )
        )
    return ws


def _incident_events(
    state: ProductionState,
    env: _Env,
    *,
    kind: str,
    description: str,
    weapon: WeaponState | None = None,
    lots: Iterable[LotId] = (),
    severity: Severity = Severity.STOP,
) -> list[Event]:
    """An incident, the quarantines it calls for, and stop-work for severity stop (R21)."""
    incident = next_incident_id(state)
    lot_ids = tuple(sorted(set(lots)))
    out: list[Event] = [
        env(
            ev.IncidentOpened,
            incident=incident,
            kind=kind,
            severity=severity,
            description=description,
            weapon=weapon.weapon.id if weapon else None,
            lots=lot_ids,
        )
    ]
    if weapon is not None and not weapon.quarantined:
        out.append(
            env(
                ev.WeaponQuarantined, weapon=weapon.weapon.id, reason=description, incident=incident
            )
        )
    for lot in lot_ids:
        if not state.lots[lot].quarantined:
            out.append(env(ev.LotQuarantined, lot=lot, reason=description, incident=incident))
    if severity is Severity.STOP:
        out.append(env(ev.StopWorkStarted, reason=f"{incident}: {description}", incident=incident))
    return out


# -- production and people ---------------------------------------------------


@_handles(c.CreateProduction)
def _create_production(state: ProductionState, cmd: c.CreateProduction) -> Decision:
    reasons: list[Reason] = []
    if state.info is not None:
        reasons.append(_r("INPUT", f"production {cmd.production} already exists."))
    for name, value in (("title", cmd.title), ("time zone", cmd.time_zone)):
        if not value.strip():
            reasons.append(_r("INPUT", f"give the production a {name}."))
    s = cmd.settings
    if (
        min(
            s.blank_load_window_minutes,
            s.misfire_wait_seconds,
            s.armorer_capacity,
            s.escalation_hours,
            s.min_blank_distance_ft,
        )
        <= 0
    ):
        reasons.append(_r("INPUT", "every setting must be a positive number."))
    if not cmd.roles:
        reasons.append(_r("INPUT", "give the creator at least one role."))
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    env = _Env(cmd)
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


_ADMIN = (Role.PRODUCER, Role.FIRST_AD, *ARMORER_ROLES)


@_handles(c.AddPerson)
def _add_person(state: ProductionState, cmd: c.AddPerson) -> Decision:
    reasons = list(_need_role(state, cmd, _ADMIN, "add people"))
    if cmd.person in state.people:
        reasons.append(_r("INPUT", f"{state.name_of(cmd.person)} is already on the production."))
    if not cmd.name.strip():
        reasons.append(_r("INPUT", "give the person's name."))
    return _refuse(reasons) or [_Env(cmd)(ev.PersonAdded, person=cmd.person, name=cmd.name)]


def _person_exists(state: ProductionState, person: PersonId) -> Reasons:
    if person not in state.people:
        yield _r("INPUT", f"{person} is not known to the production — add the person first.")


@_handles(c.AssignRole)
def _assign_role(state: ProductionState, cmd: c.AssignRole) -> Decision:
    reasons = [*_need_role(state, cmd, _ADMIN, "assign roles"), *_person_exists(state, cmd.person)]
    if state.has_role(cmd.person, cmd.role):
        reasons.append(_r("INPUT", f"{state.name_of(cmd.person)} already is {cmd.role}."))
    return _refuse(reasons) or [_Env(cmd)(ev.RoleAssigned, person=cmd.person, role=cmd.role)]


@_handles(c.EndRole)
def _end_role(state: ProductionState, cmd: c.EndRole) -> Decision:
    reasons = list(_need_role(state, cmd, _ADMIN, "end roles"))
    if not state.has_role(cmd.person, cmd.role):
        reasons.append(_r("INPUT", f"{state.name_of(cmd.person)} is not {cmd.role}."))
    held = weapons_held_by(state, cmd.person)
    if held:
        tags = ", ".join(sorted(w.weapon.id for w in held))
        reasons.append(
            _r(
                "R09",
                f"{state.name_of(cmd.person)} still has {tags} — get every "
                "weapon back to storage before ending the role.",
            )
        )
    return _refuse(reasons) or [_Env(cmd)(ev.RoleEnded, person=cmd.person, role=cmd.role)]


@_handles(c.AssignDuty)
def _assign_duty(state: ProductionState, cmd: c.AssignDuty) -> Decision:
    reasons = [
        *_need_role(state, cmd, _ADMIN, "assign duties"),
        *_person_exists(state, cmd.person),
        *no_duty_for_an_armorer_holding_weapons(state, cmd),
    ]
    if not cmd.duty.strip():
        reasons.append(_r("INPUT", "name the duty."))
    return _refuse(reasons) or [_Env(cmd)(ev.DutyAssigned, person=cmd.person, duty=cmd.duty)]


@_handles(c.EndDuty)
def _end_duty(state: ProductionState, cmd: c.EndDuty) -> Decision:
    reasons = list(_need_role(state, cmd, _ADMIN, "end duties"))
    if cmd.duty not in state.duties.get(cmd.person, frozenset()):
        reasons.append(_r("INPUT", f"{state.name_of(cmd.person)} has no duty '{cmd.duty}'."))
    return _refuse(reasons) or [_Env(cmd)(ev.DutyEnded, person=cmd.person, duty=cmd.duty)]


@_handles(c.RecordTraining)
def _record_training(state: ProductionState, cmd: c.RecordTraining) -> Decision:
    reasons = [
        *_need_role(state, cmd, ARMORER_ROLES, "record training"),
        *_person_exists(state, cmd.person),
    ]
    return _refuse(reasons) or [
        _Env(cmd)(ev.TrainingRecorded, person=cmd.person, action=cmd.action, note=cmd.note)
    ]


@_handles(c.RecordPermit)
def _record_permit(state: ProductionState, cmd: c.RecordPermit) -> Decision:
    reasons = [
        *_need_role(state, cmd, (Role.PRODUCER, *ARMORER_ROLES), "record permits"),
        *_person_exists(state, cmd.person),
    ]
    if not cmd.number.strip():
        reasons.append(_r("INPUT", "give the permit number."))
    return _refuse(reasons) or [
        _Env(cmd)(
            ev.PermitRecorded,
            person=cmd.person,
            kind=cmd.kind,
            number=cmd.number,
            expires=cmd.expires,
        )
    ]


@_handles(c.RecordLiveException)
def _record_live_exception(state: ProductionState, cmd: c.RecordLiveException) -> Decision:
    reasons = [
        *_need_role(state, cmd, (Role.PRODUCER,), "record a §9155 exception"),
        *_person_exists(state, cmd.supervisor),
    ]
    if not cmd.purpose.strip():
        reasons.append(
            _r("R01", "say what the exception is for (range training, sound recording).")
        )
    return _refuse(reasons) or [
        _Env(cmd)(ev.LiveExceptionRecorded, supervisor=cmd.supervisor, purpose=cmd.purpose)
    ]


# -- weapons -------------------------------------------------------------------


@_handles(c.RegisterWeapon)
def _register_weapon(state: ProductionState, cmd: c.RegisterWeapon) -> Decision:
    reasons = list(_need_role(state, cmd, ARMORER_ROLES, "register weapons"))
    if not is_weapon_tag(cmd.weapon):
        reasons.append(_r("INPUT", f"'{cmd.weapon}' is not a weapon tag — use W-0001 style."))
    elif cmd.weapon in state.weapons:
        reasons.append(_r("INPUT", f"{cmd.weapon} is already registered."))
    if any(w.weapon.serial == cmd.serial and not w.retired for w in state.weapons.values()):
        reasons.append(_r("INPUT", f"serial {cmd.serial} is already registered."))
    if not cmd.serial.strip() or not cmd.calibre.strip():
        reasons.append(_r("INPUT", "give the serial number and the calibre."))
    replica = cmd.kind is WeaponKind.REPLICA
    if replica != (cmd.action is ActionType.REPLICA):
        reasons.append(_r("INPUT", "a replica has the replica action, and only a replica has."))
    if not replica and cmd.capacity < 1:
        reasons.append(_r("INPUT", "give the weapon's capacity (at least 1)."))
    if replica and cmd.capacity != 0:
        reasons.append(_r("INPUT", "a non-firing replica holds no rounds: capacity 0."))
    if reasons:
        return Refusal(tuple(reasons))
    return [
        _Env(cmd)(
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


@_handles(c.RetireWeapon)
def _retire_weapon(state: ProductionState, cmd: c.RetireWeapon) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = list(_need_role(state, cmd, ARMORER_ROLES, "retire weapons"))
    if ws.location is not Custody.STORAGE:
        reasons.append(_r("R09", f"{ws.weapon.id} is out — return it to storage first."))
    if ws.retired:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is already retired."))
    return _refuse(reasons) or [_Env(cmd)(ev.WeaponRetired, weapon=ws.weapon.id)]


# -- containers and lots -----------------------------------------------------


def _lot_classes(state: ProductionState, container: str) -> set[RoundClass]:
    cs = state.containers[container]  # type: ignore[index]
    return {state.lots[lot].lot.round_class for lot, n in cs.contents.items() if n > 0}


def blanks_and_dummies_never_share_a_container(
    state: ProductionState, container: str, incoming: RoundClass
) -> Reasons:
    """R04 (live rounds, under R01's exception, share with nothing)."""
    present = _lot_classes(state, container) - {incoming}
    if present:
        kinds = " and ".join(sorted(k.value for k in present))
        yield _r(
            "R04",
            f"{container} holds {kinds}; {incoming.value} rounds never share a "
            "container with them — use another container.",
        )


def _container_exists(state: ProductionState, container: str | None) -> Reasons:
    if container is None or container not in state.containers:
        yield _r("INPUT", f"there is no container {container} — create it first.")


def _lot_exists(state: ProductionState, lot: str) -> Reasons:
    if lot not in state.lots:
        yield _r(
            "R02", f"there is no lot {lot} — receive it first; nothing of unknown origin is used."
        )


@_handles(c.CreateContainer)
def _create_container(state: ProductionState, cmd: c.CreateContainer) -> Decision:
    reasons = list(_need_role(state, cmd, ARMORER_ROLES, "create containers"))
    if not is_container_tag(cmd.container):
        reasons.append(_r("INPUT", f"'{cmd.container}' is not a container tag — use C-0001."))
    elif cmd.container in state.containers:
        reasons.append(_r("INPUT", f"{cmd.container} already exists."))
    return _refuse(reasons) or [
        _Env(cmd)(
            ev.ContainerCreated, container=cmd.container, label=cmd.label, location=cmd.location
        )
    ]


@_handles(c.MoveContainer)
def _move_container(state: ProductionState, cmd: c.MoveContainer) -> Decision:
    reasons = [
        *_need_role(state, cmd, ARMORER_ROLES, "move ammunition"),
        *_container_exists(state, cmd.container),
    ]
    if state.armory_locked and cmd.to is StorageLocation.CART:
        reasons.append(_r("R09", "the armory is locked up — unlock it first."))
    return _refuse(reasons) or [_Env(cmd)(ev.ContainerMoved, container=cmd.container, to=cmd.to)]


@_handles(c.ReceiveLot)
def _receive_lot(state: ProductionState, cmd: c.ReceiveLot) -> Decision:
    reasons = list(_need_role(state, cmd, ARMORER_ROLES, "receive ammunition"))
    if not is_lot_tag(cmd.lot):
        reasons.append(_r("INPUT", f"'{cmd.lot}' is not a lot tag — use L-0001 style."))
    elif cmd.lot in state.lots:
        reasons.append(_r("INPUT", f"{cmd.lot} is already received — give the new lot a new tag."))
    if cmd.round_class is RoundClass.LIVE and state.live_exception is None:
        reasons.append(
            _r(
                "R01",
                "no live ammunition on a production — refuse the delivery "
                "(only a recorded §9155 exception naming a supervisor allows it).",
            )
        )
    if cmd.count <= 0:
        reasons.append(_r("R02", "give the number of rounds received (more than 0)."))
    if not cmd.calibre.strip() or not cmd.supplier.strip():
        reasons.append(_r("R02", "record the calibre and the supplier of every lot."))
    if cmd.round_class is RoundClass.BLANK and cmd.blank_load is None:
        reasons.append(_r("R02", "record the load of the blanks: full, half or quarter."))
    if cmd.round_class is not RoundClass.BLANK and cmd.blank_load is not None:
        reasons.append(_r("R02", "only blanks have a load — leave it empty."))
    container_ok = cmd.container in state.containers
    if not container_ok:
        reasons.extend(_container_exists(state, cmd.container))
    else:
        reasons.extend(
            blanks_and_dummies_never_share_a_container(state, cmd.container, cmd.round_class)
        )
    return _refuse(reasons) or [
        _Env(cmd)(
            ev.LotReceived,
            lot=cmd.lot,
            round_class=cmd.round_class,
            blank_load=cmd.blank_load,
            calibre=cmd.calibre,
            supplier=cmd.supplier,
            count=cmd.count,
            container=cmd.container,
        )
    ]


@_handles(c.VerifyDummies)
def _verify_dummies(state: ProductionState, cmd: c.VerifyDummies) -> Decision:
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "verify dummies"),
        *_lot_exists(state, cmd.lot),
    ]
    if reasons:
        return Refusal(tuple(reasons))
    ls = state.lots[cmd.lot]
    if ls.lot.round_class is not RoundClass.DUMMY:
        reasons.append(_r("INPUT", f"{cmd.lot} is not a dummy lot."))
    if not cmd.method.strip():
        reasons.append(
            _r("R03", "record how each round was checked (rattle, no live primer, holed case).")
        )
    numbers = [r.number for r in cmd.rounds]
    expected = set(range(1, ls.lot.count + 1))
    missing = sorted(expected - set(numbers))
    if missing or len(numbers) != len(set(numbers)) or set(numbers) - expected:
        shown = ", ".join(str(n) for n in missing[:10]) or "some"
        reasons.append(
            _r(
                "R03",
                f"check every round of {cmd.lot} once, numbered 1 to "
                f"{ls.lot.count}; rounds {shown} are missing or repeated.",
            )
        )
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    env = _Env(cmd)
    failed = tuple(sorted(r.number for r in cmd.rounds if not r.passed))
    out: list[Event] = [
        env(ev.DummiesVerified, lot=cmd.lot, method=cmd.method, checked=len(numbers), failed=failed)
    ]
    if failed:
        notes = "; ".join(r.note for r in cmd.rounds if not r.passed and r.note)
        desc = (
            f"dummy lot {cmd.lot} failed verification: round(s) "
            f"{', '.join(map(str, failed))}{' (' + notes + ')' if notes else ''}"
        )
        out += _incident_events(state, env, kind="dummy_failed", description=desc, lots=(cmd.lot,))
    return out


@_handles(c.MoveRounds)
def _move_rounds(state: ProductionState, cmd: c.MoveRounds) -> Decision:
    reasons = [
        *_need_role(state, cmd, ARMORER_ROLES, "move rounds"),
        *_lot_exists(state, cmd.lot),
        *_container_exists(state, cmd.from_container),
        *_container_exists(state, cmd.to_container),
    ]
    if reasons:
        return Refusal(tuple(reasons))
    if cmd.from_container == cmd.to_container:
        reasons.append(_r("INPUT", "the rounds are already in that container."))
    reasons += _enough_rounds(state, cmd.from_container, cmd.lot, cmd.count)
    reasons += blanks_and_dummies_never_share_a_container(
        state, cmd.to_container, state.lots[cmd.lot].lot.round_class
    )
    return _refuse(reasons) or [
        _Env(cmd)(
            ev.RoundsMoved,
            lot=cmd.lot,
            from_container=cmd.from_container,
            to_container=cmd.to_container,
            count=cmd.count,
        )
    ]


def _enough_rounds(state: ProductionState, container: str, lot: str, count: int) -> Reasons:
    if count <= 0:
        yield _r("INPUT", "give a number of rounds greater than 0.")
        return
    have = state.containers[container].contents.get(lot, 0)  # type: ignore[index, call-overload]
    if have < count:
        yield _r("R05", f"{container} holds {have} rounds of {lot}, not {count} — count again.")


def _remove_from_store(
    state: ProductionState, cmd: c.ReturnLot | c.DestroyRounds, what: str
) -> list[Reason]:
    reasons = [
        *_need_role(state, cmd, ARMORER_ROLES, what),
        *_lot_exists(state, cmd.lot),
        *_container_exists(state, cmd.container),
    ]
    if not reasons:
        reasons += _enough_rounds(state, cmd.container, cmd.lot, cmd.count)
    return reasons


@_handles(c.ReturnLot)
def _return_lot(state: ProductionState, cmd: c.ReturnLot) -> Decision:
    reasons = _remove_from_store(state, cmd, "return rounds to a supplier")
    return _refuse(reasons) or [
        _Env(cmd)(
            ev.LotReturned, lot=cmd.lot, container=cmd.container, count=cmd.count, note=cmd.note
        )
    ]


@_handles(c.DestroyRounds)
def _destroy_rounds(state: ProductionState, cmd: c.DestroyRounds) -> Decision:
    reasons = _remove_from_store(state, cmd, "destroy rounds")
    return _refuse(reasons) or [
        _Env(cmd)(
            ev.RoundsDestroyed, lot=cmd.lot, container=cmd.container, count=cmd.count, note=cmd.note
        )
    ]


def armorer_and_safety_supervisor_together(
    state: ProductionState, cmd: c.BaseCommand, what: str
) -> Reasons:
    """R21: one of them asks, the other confirms with their own PIN."""
    people = {cmd.actor} | set(_witnesses(cmd))
    armorer = any(state.is_armorer(p) for p in people)
    supervisor = any(state.has_role(p, Role.SAFETY_SUPERVISOR) for p in people)
    if not (armorer and supervisor and len(people - {None}) >= 2):
        yield _r(
            "R21",
            f"the armorer and the safety supervisor {what} together — one asks, "
            "the other confirms with their own PIN.",
        )


@_handles(c.ReleaseLot)
def _release_lot(state: ProductionState, cmd: c.ReleaseLot) -> Decision:
    reasons = [
        *_lot_exists(state, cmd.lot),
        *armorer_and_safety_supervisor_together(state, cmd, "release a lot"),
    ]
    if not reasons and not state.lots[cmd.lot].quarantined:
        reasons.append(_r("INPUT", f"{cmd.lot} is not quarantined."))
    if not reasons and state.lots[cmd.lot].verified is False:
        reasons.append(
            _r(
                "R03",
                f"{cmd.lot} has not passed verification — verify every round "
                "again before releasing it.",
            )
        )
    return _refuse(reasons) or [_Env(cmd)(ev.LotReleased, lot=cmd.lot, note=cmd.note)]


# -- scenes and meetings -------------------------------------------------------


def pointing_at_people_needs_armorer_sign_off(
    state: ProductionState, cmd: c.PlanScene, signer: PersonId | None
) -> Reasons:
    """R18."""
    if cmd.points_at_people_or_camera and signer is None:
        yield _r(
            "R18",
            f"scene {cmd.scene} points a weapon at a person or camera — the armorer "
            "signs off on the plan (as the one planning or by confirming).",
        )


def close_blanks_need_protection(
    state: ProductionState,
    scene_distance: int,
    fires: bool,
    protection: tuple[str, ...],
    scene: str,
) -> Reasons:
    """R18: blanks toward someone closer than the minimum distance need protection."""
    minimum = _settings(state).min_blank_distance_ft
    if fires and scene_distance < minimum and not protection:
        yield _r(
            "R18",
            f"scene {scene} fires blanks {scene_distance} ft from a person, closer "
            f"than {minimum} ft — record the protection (shields, remote camera) or "
            "move them back.",
        )


@_handles(c.PlanScene)
def _plan_scene(state: ProductionState, cmd: c.PlanScene) -> Decision:
    reasons = list(
        _need_role(state, cmd, (Role.FIRST_AD, Role.PRODUCER, *ARMORER_ROLES), "plan scenes")
    )
    if not cmd.title.strip():
        reasons.append(_r("INPUT", "give the scene a title."))
    for w in cmd.weapons:
        ws = state.weapons.get(w)
        if ws is None:
            reasons.append(_r("INPUT", f"there is no weapon {w}."))
        elif cmd.fires_blanks and ws.weapon.is_replica and len(cmd.weapons) == 1:
            reasons.append(_r("INPUT", f"{w} is a non-firing replica; it fires nothing."))
    for p in cmd.performers:
        if not state.has_role(p, Role.PERFORMER):
            reasons.append(_r("INPUT", f"{state.name_of(p)} is not a performer here."))
    if cmd.closest_distance_ft < 0:
        reasons.append(_r("INPUT", "the closest distance cannot be negative."))
    signers = sorted(p for p in {cmd.actor, *_witnesses(cmd)} if p and state.is_armorer(p))
    signer = signers[0] if signers else None
    reasons += pointing_at_people_needs_armorer_sign_off(state, cmd, signer)
    reasons += close_blanks_need_protection(
        state, cmd.closest_distance_ft, cmd.fires_blanks, cmd.protection, cmd.scene
    )
    if (
        cmd.fires_blanks
        and cmd.closest_distance_ft < _settings(state).min_blank_distance_ft
        and cmd.protection
        and signer is None
    ):
        reasons.append(_r("R18", "a close-distance exception needs the armorer's sign-off."))
    if (refusal := _refuse(reasons)) is not None:
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
        _Env(cmd)(
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


@_handles(c.HoldSafetyMeeting)
def _hold_meeting(state: ProductionState, cmd: c.HoldSafetyMeeting) -> Decision:
    reasons: list[Reason] = []
    if cmd.meeting in state.meetings:
        reasons.append(_r("INPUT", f"meeting {cmd.meeting} is already recorded."))
    for s in cmd.scenes:
        plan = state.scenes.get(s)
        if plan is None:
            reasons.append(_r("INPUT", f"there is no scene {s} — plan it first."))
        elif plan.day != cmd.day:
            reasons.append(
                _r(
                    "R17",
                    f"scene {s} is planned for {plan.day}, not {cmd.day}; hold "
                    "the meeting on the day of the scene.",
                )
            )
    if not cmd.attendees:
        reasons.append(_r("R17", "record who attended the safety meeting."))
    for p in cmd.attendees:
        if p not in state.people:
            reasons.append(_r("INPUT", f"{p} is not known to the production."))
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    revisions = tuple(state.scenes[s].revision for s in cmd.scenes)
    return [
        _Env(cmd)(
            ev.SafetyMeetingHeld,
            meeting=cmd.meeting,
            day=cmd.day,
            scenes=tuple(cmd.scenes),
            scene_revisions=revisions,
            attendees=tuple(dict.fromkeys(cmd.attendees)),
            notes=cmd.notes,
        )
    ]


# -- custody ---------------------------------------------------------------------


@_handles(c.UnlockArmory)
def _unlock(state: ProductionState, cmd: c.UnlockArmory) -> Decision:
    reasons = list(_need_role(state, cmd, ARMORER_ROLES, "unlock the armory"))
    if not state.armory_locked:
        reasons.append(_r("INPUT", "the armory is already open."))
    return _refuse(reasons) or [_Env(cmd)(ev.ArmoryUnlocked)]


def everything_is_locked_up_for_a_break(state: ProductionState) -> Reasons:
    """R09: no weapon out, no ammunition left on the cart."""
    for ws in sorted(state.weapons_out(), key=lambda w: w.weapon.id):
        yield _r(
            "R09",
            f"{ws.weapon.id} is still with {state.name_of(ws.holder)} — get it back "
            "into storage before the break.",
        )
    for cs in sorted(state.containers.values(), key=lambda x: x.container.id):
        if cs.container.location is StorageLocation.CART and cs.total > 0:
            yield _r(
                "R09",
                f"{cs.container.id} ({cs.container.label}) is still on the cart "
                f"with {cs.total} rounds — lock it up before the break.",
            )


@_handles(c.LockUp)
def _lock_up(state: ProductionState, cmd: c.LockUp) -> Decision:
    reasons = [
        *_need_role(state, cmd, ARMORER_ROLES, "lock up"),
        *everything_is_locked_up_for_a_break(state),
    ]
    if state.armory_locked:
        reasons.append(_r("INPUT", "the armory is already locked."))
    return _refuse(reasons) or [_Env(cmd)(ev.ArmoryLocked, kind=cmd.kind)]


def weapons_out_within_capacity(state: ProductionState, extra: int) -> Reasons:
    """R28 (warning only)."""
    out = len(state.weapons_out()) + extra
    cap = _settings(state).armorer_capacity
    if out > cap:
        yield _r(
            "R28",
            f"{out} weapons are out, more than the {cap} one armorer can watch — "
            "bring some back or add an armorer.",
        )


@_handles(c.TakeOutOfStorage)
def _take_out(state: ProductionState, cmd: c.TakeOutOfStorage) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "take a weapon out of storage"),
        *machine_guns_need_a_current_sot_licence(state, cmd, ws),
        *armorer_with_weapons_out_has_no_other_duty(state, cmd.actor),
    ]
    if ws.location is not Custody.STORAGE:
        reasons.append(
            _r("INPUT", f"{ws.weapon.id} is already out, with {state.name_of(ws.holder)}.")
        )
    if ws.retired:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is retired."))
    if state.armory_locked:
        reasons.append(_r("R09", "the armory is locked up — unlock it first."))
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    warnings = tuple(weapons_out_within_capacity(state, 1))
    return [_Env(cmd)(ev.WeaponTakenOut, weapon=ws.weapon.id, warnings=warnings)]


@_handles(c.ReturnToStorage)
def _return_to_storage(state: ProductionState, cmd: c.ReturnToStorage) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = list(_need_role(state, cmd, ARMORER_ROLES, "put weapons in storage"))
    if ws.location is Custody.STORAGE:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is already in storage."))
    elif ws.location is Custody.PERFORMER:
        reasons.append(
            _r(
                "R08",
                f"{ws.weapon.id} is with {state.name_of(ws.holder)} — the "
                "armorer takes it back first.",
            )
        )
    loaded = [p for p in ws.positions if ws.contents.get(p, EMPTY).state is not RoundState.EMPTY]
    if loaded:
        reasons.append(
            _r(
                "R09",
                f"{ws.weapon.id} still holds something in {', '.join(loaded)} "
                "— unload it; weapons go into storage empty.",
            )
        )
    reasons += misfire_wait_has_passed(state, cmd, ws)
    return _refuse(reasons) or [_Env(cmd)(ev.WeaponReturnedToStorage, weapon=ws.weapon.id)]


def inspection_covers_every_position_and_step(ws: WeaponState, cmd: c.InspectWeapon) -> Reasons:
    """R10/R24: a finding for every load position and the bore, every checklist step ticked."""
    positions = ws.positions
    found = [f.position for f in cmd.findings]
    unknown = [p for p in found if p not in positions]
    if unknown:
        yield _r(
            "INPUT",
            f"{ws.weapon.id} has no {', '.join(unknown)} — its positions are "
            f"{', '.join(positions) or 'none'}.",
        )
    if len(found) != len(set(found)):
        yield _r("INPUT", "record each position once.")
    missing = [p for p in positions if p not in found]
    if missing:
        yield _r(
            "R24",
            f"the inspection of {ws.weapon.id} is incomplete — record what you found "
            f"in {', '.join(missing)}.",
        )
    steps = inspection_checklist(ws.weapon.action)
    not_ticked = [s for s in steps if s not in cmd.checklist]
    if not_ticked:
        yield _r(
            "R24",
            f"tick every step of the {ws.weapon.action.value.replace('_', ' ')} "
            f"checklist — still to do: {', '.join(not_ticked)}.",
        )
    extra = [s for s in cmd.checklist if s not in steps]
    if extra:
        yield _r("INPUT", f"'{extra[0]}' is not a step of this weapon's checklist.")
    if cmd.hammer_over is not None and cmd.hammer_over not in positions:
        yield _r("INPUT", f"{ws.weapon.id} has no {cmd.hammer_over}.")


def recorded_rounds_do_not_vanish(ws: WeaponState, cmd: c.InspectWeapon) -> Reasons:
    """R05: a recorded round is fired or unloaded on the record, never just gone."""
    for f in cmd.findings:
        recorded = ws.contents.get(f.position, EMPTY)
        if f.found is RoundState.EMPTY and recorded.state in (RoundState.BLANK, RoundState.DUMMY):
            yield _r(
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


@_handles(c.InspectWeapon)
def _inspect(state: ProductionState, cmd: c.InspectWeapon) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "inspect a weapon"),
        *weapon_is_in_armorer_custody(state, ws),
        *misfire_wait_has_passed(state, cmd, ws),
        *inspection_covers_every_position_and_step(ws, cmd),
        *recorded_rounds_do_not_vanish(ws, cmd),
    ]
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    env = _Env(cmd)
    out: list[Event] = [
        env(
            ev.InspectionRecorded,
            weapon=ws.weapon.id,
            findings=tuple(cmd.findings),
            bore=cmd.bore,
            checklist=tuple(cmd.checklist),
            hammer=cmd.hammer,
            hammer_over=cmd.hammer_over,
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
        out += _incident_events(
            state,
            env,
            kind=kind,
            description="; ".join(problems),
            weapon=ws,
            lots=lots if surprises else (),
        )
    return out


@_handles(c.CheckBore)
def _check_bore(state: ProductionState, cmd: c.CheckBore) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "check a bore"),
        *weapon_is_in_armorer_custody(state, ws),
        *misfire_wait_has_passed(state, cmd, ws),
    ]
    if ws.weapon.is_replica:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is a replica: it has no bore."))
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    env = _Env(cmd)
    out: list[Event] = [env(ev.BoreChecked, weapon=ws.weapon.id, bore=cmd.bore)]
    if cmd.bore is BoreFinding.OBSTRUCTED:
        out += _incident_events(
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
        yield _r(
            "R13",
            "blanks are loaded only for a scene — name the scene and the planned time of the take.",
        )
        return
    plan = state.scenes.get(cmd.scene)
    if plan is None:
        yield _r("R13", f"there is no plan for scene {cmd.scene} — plan it first.")
        return
    if not plan.fires_blanks:
        yield _r("R13", f"the plan for scene {cmd.scene} has no firing — load dummies or nothing.")
    if cmd.weapon not in plan.weapons:
        yield _r("R13", f"{cmd.weapon} is not in the plan for scene {cmd.scene}.")
    window = _settings(state).blank_load_window
    if cmd.at < cmd.take_at - window:
        yield _r(
            "R13",
            f"the take is at {cmd.take_at:%H:%M} UTC — load blanks no earlier "
            f"than {(cmd.take_at - window):%H:%M} UTC.",
        )
    if cmd.at > cmd.take_at:
        yield _r("R13", "the take time you gave has passed — give the time of the next take.")


def a_safety_meeting_was_held_for_the_scene(state: ProductionState, cmd: c.LoadWeapon) -> Reasons:
    """R17."""
    plan = state.scenes.get(cmd.scene) if cmd.scene else None
    if plan is None:
        return
    for m in state.meetings.values():
        if m.day == plan.day and m.at <= cmd.at and m.attendees:
            for s, rev in zip(m.scenes, m.scene_revisions, strict=True):
                if s == plan.id and rev == plan.revision:
                    return
    yield _r(
        "R17",
        f"no safety meeting on {plan.day} for scene {plan.id} as now planned — hold "
        "one, with attendees, before loading blanks.",
    )


def hammer_rests_on_an_empty_chamber(
    ws: WeaponState, cmd: c.LoadWeapon, fireable: set[str]
) -> Reasons:
    """R25: no transfer bar, so the chamber under the hammer stays empty."""
    if not has_exposed_hammer_hazard(ws.weapon.action, ws.weapon.transfer_bar):
        return
    if not fireable:
        return
    if cmd.hammer_over is None:
        yield _r(
            "R25",
            f"{ws.weapon.id} has no transfer bar — say which chamber the hammer "
            "rests on, and leave that chamber empty.",
        )
        return
    if cmd.hammer_over not in ws.positions:
        yield _r("INPUT", f"{ws.weapon.id} has no {cmd.hammer_over}.")
        return
    current = ws.contents.get(cmd.hammer_over, EMPTY).state
    if cmd.hammer_over in fireable or current in FIREABLE:
        yield _r(
            "R25",
            f"{ws.weapon.id} has no transfer bar — leave {cmd.hammer_over}, under "
            "the hammer, empty (a blow to the hammer fires a loaded chamber).",
        )


@_handles(c.LoadWeapon)
def _load(state: ProductionState, cmd: c.LoadWeapon) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "load a weapon"),
        *weapon_is_in_armorer_custody(state, ws),
        *stop_work_halts_issue_and_loading(state, "loading"),
        *weapon_is_not_quarantined(ws, "loading"),
        *weapon_is_inspected(ws, "load it"),
        *no_handoff_before_misfire_cleared(ws),
        *bore_is_checked_before_loading(ws),
    ]
    if ws.weapon.is_replica:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is a non-firing replica; it takes no rounds."))
    if not cmd.loads:
        reasons.append(_r("INPUT", "say which rounds go into which positions."))
    reasons += _container_exists(state, cmd.container)
    positions = [pl.position for pl in cmd.loads]
    if len(positions) != len(set(positions)):
        reasons.append(_r("INPUT", "one round per position."))
    classes: set[RoundClass] = set()
    fireable: set[str] = set()
    per_lot: dict[str, int] = {}
    for pl in cmd.loads:
        if pl.position not in ws.positions:
            reasons.append(_r("INPUT", f"{ws.weapon.id} has no {pl.position}."))
        elif ws.contents.get(pl.position, EMPTY).state is not RoundState.EMPTY:
            reasons.append(
                _r(
                    "INPUT",
                    f"{pl.position} already holds {ws.contents[pl.position]} — unload it first.",
                )
            )
        ls = state.lots.get(pl.lot)
        if ls is None:
            reasons.extend(_lot_exists(state, pl.lot))
            continue
        per_lot[pl.lot] = per_lot.get(pl.lot, 0) + 1
        lot = ls.lot
        classes.add(lot.round_class)
        if lot.round_class is RoundClass.LIVE:
            reasons.append(
                _r(
                    "R01",
                    f"{pl.lot} is live ammunition — live rounds never go into a weapon on set.",
                )
            )
        if lot.round_class in (RoundClass.BLANK, RoundClass.LIVE):
            fireable.add(pl.position)
        if ls.quarantined:
            reasons.append(_r("R03", f"{pl.lot} is quarantined — do not load from it."))
        if lot.round_class is RoundClass.DUMMY and ls.verified is not True:
            reasons.append(
                _r(
                    "R03",
                    f"dummy lot {pl.lot} is not verified — check every round "
                    "(rattle, no live primer, holed case) before using it.",
                )
            )
        if lot.calibre != ws.weapon.calibre:
            reasons.append(
                _r("INPUT", f"{pl.lot} is {lot.calibre}; {ws.weapon.id} takes {ws.weapon.calibre}.")
            )
    if cmd.container in state.containers:
        for lot_id, n in sorted(per_lot.items()):
            reasons.extend(_enough_rounds(state, cmd.container, lot_id, n))
    held = set(ws.holds(RoundState.DUMMY, RoundState.BLANK))
    held_classes = {RoundClass(ws.contents[p].state.value) for p in held}
    if len(classes | held_classes) > 1 and RoundClass.LIVE not in classes:
        reasons.append(
            _r(
                "R16",
                f"never mix dummies and blanks in {ws.weapon.id} — unload the "
                "dummies and check the bore before loading blanks.",
            )
        )
    blanks = RoundClass.BLANK in classes
    if blanks:
        reasons += blanks_only_for_a_firing_scene_just_before_the_take(state, cmd)
        reasons += a_safety_meeting_was_held_for_the_scene(state, cmd)
        plan = state.scenes.get(cmd.scene) if cmd.scene else None
        if plan is not None:
            reasons += close_blanks_need_protection(
                state, plan.closest_distance_ft, True, plan.protection, plan.id
            )
    reasons += hammer_rests_on_an_empty_chamber(ws, cmd, fireable)
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    return [
        _Env(cmd)(
            ev.WeaponLoaded,
            weapon=ws.weapon.id,
            container=cmd.container,
            loads=tuple(cmd.loads),
            scene=cmd.scene,
            take_at=cmd.take_at,
            hammer_over=cmd.hammer_over,
            announce=blanks,
        )
    ]


@_handles(c.UnloadWeapon)
def _unload(state: ProductionState, cmd: c.UnloadWeapon) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "unload a weapon"),
        *weapon_is_in_armorer_custody(state, ws),
        *misfire_wait_has_passed(state, cmd, ws),
    ]
    if not cmd.positions or len(cmd.positions) != len(set(cmd.positions)):
        reasons.append(_r("INPUT", "name each position to unload once."))
    to_store: set[RoundClass] = set()
    for p in cmd.positions:
        if p not in ws.positions:
            reasons.append(_r("INPUT", f"{ws.weapon.id} has no {p}."))
            continue
        load = ws.contents.get(p, EMPTY)
        if load.state is RoundState.EMPTY:
            reasons.append(_r("INPUT", f"{p} of {ws.weapon.id} is already empty."))
        elif cmd.disposition is Disposition.STORE and load.state in (
            RoundState.LIVE,
            RoundState.UNKNOWN,
        ):
            reasons.append(
                _r(
                    "R01",
                    f"the {load.state.value} round from {p} never goes back into "
                    "store — unload it for destruction and keep it as evidence.",
                )
            )
        elif load.state in (RoundState.BLANK, RoundState.DUMMY) and load.lot is not None:
            to_store.add(state.lots[load.lot].lot.round_class)
    if cmd.disposition is Disposition.STORE and to_store:
        if cmd.container is None or cmd.container not in state.containers:
            reasons.extend(_container_exists(state, cmd.container))
        else:
            for rc in sorted(to_store):
                reasons.extend(blanks_and_dummies_never_share_a_container(state, cmd.container, rc))
            if len(to_store) > 1:
                reasons.append(
                    _r(
                        "R04",
                        "blanks and dummies go to different containers — unload them separately.",
                    )
                )
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    return [
        _Env(cmd)(
            ev.WeaponUnloaded,
            weapon=ws.weapon.id,
            positions=tuple(cmd.positions),
            disposition=cmd.disposition,
            container=cmd.container if cmd.disposition is Disposition.STORE else None,
        )
    ]


def only_an_armorer_hands_weapons_over(
    state: ProductionState, cmd: c.HandOver, ws: WeaponState
) -> Reasons:
    """R08: and only the armorer who holds it."""
    if state.is_armorer(cmd.actor) and ws.holder == cmd.actor and ws.location is Custody.ARMORER:
        return
    back_to = ws.issued_by if state.is_armorer(ws.issued_by) else None
    who = state.name_of(back_to) if back_to else _armorers(state)
    if state.is_armorer(cmd.actor) and ws.location is Custody.PERFORMER:
        yield _r(
            "R08",
            f"{ws.weapon.id} is with {state.name_of(ws.holder)} — take it back "
            "first, then hand it over.",
        )
    elif state.is_armorer(cmd.actor) and ws.location is Custody.ARMORER:
        yield _r(
            "R08",
            f"{ws.weapon.id} is held by {state.name_of(ws.holder)} — only the armorer "
            "holding it hands it over.",
        )
    else:
        yield _r("R08", f"only an armorer hands a weapon to a performer — give it back to {who}.")


def performer_and_first_ad_confirm_the_handoff(state: ProductionState, cmd: c.HandOver) -> Reasons:
    """R12: the receiving performer and the 1st AD each confirm with their own PIN."""
    witnesses = _witnesses(cmd)
    if cmd.to not in witnesses:
        yield _r(
            "R12",
            f"{state.name_of(cmd.to)} must confirm with their own PIN that they were "
            "shown every chamber and the bore.",
        )
    if not any(state.has_role(p, Role.FIRST_AD) for p in witnesses - {cmd.to}):
        yield _r("R12", "the 1st AD must witness the handoff and confirm with their own PIN.")


def performer_is_trained_for_the_weapon(
    state: ProductionState, cmd: c.HandOver, ws: WeaponState
) -> Reasons:
    """R14."""
    if ws.weapon.action not in state.training.get(cmd.to, frozenset()):
        kind = ws.weapon.action.value.replace("_", " ")
        yield _r(
            "R14",
            f"{state.name_of(cmd.to)} has no recorded training on the {kind} — "
            "train them and record it first.",
        )


def a_day_closed_with_a_discrepancy_blocks_issue(state: ProductionState) -> Reasons:
    """R23."""
    for day in unresolved_days(state):
        yield _r(
            "R23",
            f"{day} was closed with a discrepancy — resolve it (armorer and "
            "producer) before issuing any weapon.",
        )


def weapon_is_ready_to_hand_over(state: ProductionState, ws: WeaponState) -> Reasons:
    """R10, R15, R16, R19, R01 before a performer receives a weapon."""
    yield from weapon_is_inspected(ws, "hand it over")
    yield from no_handoff_before_misfire_cleared(ws)
    yield from no_live_or_unknown_round(ws)
    if ws.bore_check_due is not None:
        yield _r("R10", f"the bore of {ws.weapon.id} needs checking before it is handed over.")
    spent = ws.holds(RoundState.SPENT)
    if spent:
        yield _r(
            "R15",
            f"{ws.weapon.id} still has spent cases in {', '.join(spent)} — unload "
            "and check it first.",
        )


@_handles(c.HandOver)
def _hand_over(state: ProductionState, cmd: c.HandOver) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = list(only_an_armorer_hands_weapons_over(state, cmd, ws))
    if cmd.to == cmd.actor:
        reasons.append(_r("INPUT", "you already hold it."))
    to_armorer = state.is_armorer(cmd.to)
    warnings: tuple[Reason, ...] = ()
    if to_armorer:
        if cmd.to not in _witnesses(cmd):
            reasons.append(
                _r(
                    "R12",
                    f"{state.name_of(cmd.to)} must confirm taking custody with their own PIN.",
                )
            )
        reasons += armorer_with_weapons_out_has_no_other_duty(state, cmd.to)
    elif not state.has_role(cmd.to, Role.PERFORMER):
        reasons.append(
            _r(
                "R08",
                f"{state.name_of(cmd.to)} is not a performer — weapons go from "
                "the armorer to a performer and back, to nobody else.",
            )
        )
    elif ws.weapon.is_replica:
        if cmd.to not in _witnesses(cmd):
            reasons.append(
                _r(
                    "R12",
                    f"{state.name_of(cmd.to)} must confirm receiving the "
                    "replica with their own PIN.",
                )
            )
    else:
        reasons += weapon_is_ready_to_hand_over(state, ws)
        reasons += weapon_is_not_quarantined(ws, "handing over")
        reasons += performer_and_first_ad_confirm_the_handoff(state, cmd)
        reasons += performer_is_trained_for_the_weapon(state, cmd, ws)
        reasons += stop_work_halts_issue_and_loading(state, "issuing")
        reasons += a_day_closed_with_a_discrepancy_blocks_issue(state)
        warnings = tuple(weapons_out_within_capacity(state, 0))
    if ws.retired:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is retired."))
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    return [_Env(cmd)(ev.WeaponHandedOver, weapon=ws.weapon.id, to=cmd.to, warnings=warnings)]


@_handles(c.TakeBack)
def _take_back(state: ProductionState, cmd: c.TakeBack) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons: list[Reason] = []
    if not state.is_armorer(cmd.actor):
        reasons.append(_r("R08", f"only an armorer takes a weapon back — call {_armorers(state)}."))
    if ws.location is not Custody.PERFORMER:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is not with a performer."))
    return _refuse(reasons) or [
        _Env(cmd)(ev.WeaponTakenBack, weapon=ws.weapon.id, from_person=ws.holder)
    ]


def _record_on_weapon(
    state: ProductionState, cmd: c.BaseCommand, ws: WeaponState, positions: Iterable[str]
) -> list[Reason]:
    reasons = list(_need_role(state, cmd, ARMORER_ROLES, "record firing"))
    if ws.location is Custody.STORAGE:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is in storage."))
    for p in positions:
        if p not in ws.positions:
            reasons.append(_r("INPUT", f"{ws.weapon.id} has no {p}."))
        elif ws.contents.get(p, EMPTY).state is not RoundState.BLANK:
            reasons.append(
                _r(
                    "INPUT",
                    f"{p} of {ws.weapon.id} holds "
                    f"{ws.contents.get(p, EMPTY)}, not a blank — record what "
                    "happened as an incident.",
                )
            )
    return reasons


@_handles(c.RecordFiring)
def _record_firing(state: ProductionState, cmd: c.RecordFiring) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = _record_on_weapon(state, cmd, ws, cmd.positions)
    if not cmd.positions or len(set(cmd.positions)) != len(cmd.positions):
        reasons.append(_r("INPUT", "name each fired position once."))
    return _refuse(reasons) or [
        _Env(cmd)(ev.BlanksFired, weapon=ws.weapon.id, positions=tuple(cmd.positions))
    ]


@_handles(c.RecordMisfire)
def _record_misfire(state: ProductionState, cmd: c.RecordMisfire) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = _record_on_weapon(state, cmd, ws, [cmd.position])
    return _refuse(reasons) or [
        _Env(cmd)(ev.MisfireRecorded, weapon=ws.weapon.id, position=cmd.position)
    ]


@_handles(c.RecordUnplannedDischarge)
def _record_discharge(state: ProductionState, cmd: c.RecordUnplannedDischarge) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    if cmd.position is not None and cmd.position not in ws.positions:
        return Refusal((_r("INPUT", f"{ws.weapon.id} has no {cmd.position}."),))
    env = _Env(cmd)
    desc = f"unplanned discharge of {ws.weapon.id}" + (
        f": {cmd.description}" if cmd.description else ""
    )
    return [
        env(
            ev.UnplannedDischargeRecorded,
            weapon=ws.weapon.id,
            position=cmd.position,
            description=cmd.description,
        ),
        *_incident_events(state, env, kind="unplanned_discharge", description=desc, weapon=ws),
    ]


@_handles(c.ClearWeaponQuarantine)
def _clear_quarantine(state: ProductionState, cmd: c.ClearWeaponQuarantine) -> Decision:
    ws = _weapon_or_refusal(state, cmd.weapon)
    if isinstance(ws, Refusal):
        return ws
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "clear a quarantined weapon"),
        *weapon_is_in_armorer_custody(state, ws),
    ]
    if not ws.quarantined:
        reasons.append(_r("INPUT", f"{ws.weapon.id} is not quarantined."))
    reasons += weapon_is_inspected(ws, "clear it")
    if ws.bore_check_due is not None:
        reasons.append(_r("R16", f"check the bore of {ws.weapon.id} and find it clear first."))
    occupied = [p for p in ws.positions if ws.contents.get(p, EMPTY).state is not RoundState.EMPTY]
    if occupied:
        reasons.append(
            _r("R20", f"unload {', '.join(occupied)} of {ws.weapon.id} before clearing it.")
        )
    if not cmd.note.strip():
        reasons.append(_r("INPUT", "say why the weapon is safe to use again."))
    return _refuse(reasons) or [
        _Env(cmd)(ev.WeaponQuarantineCleared, weapon=ws.weapon.id, note=cmd.note)
    ]


# -- incidents, reports, stop-work ---------------------------------------------


@_handles(c.OpenIncident)
def _open_incident(state: ProductionState, cmd: c.OpenIncident) -> Decision:
    reasons: list[Reason] = []
    ws = None
    if cmd.weapon is not None:
        found = _weapon_or_refusal(state, cmd.weapon)
        if isinstance(found, Refusal):
            return found
        ws = found
    if not cmd.description.strip():
        reasons.append(_r("INPUT", "describe what happened."))
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    return _incident_events(
        state,
        _Env(cmd),
        kind=cmd.kind or "reported",
        description=cmd.description,
        severity=cmd.severity,
        weapon=ws if cmd.severity is Severity.STOP else None,
    )


@_handles(c.CloseIncident)
def _close_incident(state: ProductionState, cmd: c.CloseIncident) -> Decision:
    reasons = list(
        _need_role(
            state, cmd, (Role.SAFETY_SUPERVISOR, Role.PRODUCER, *ARMORER_ROLES), "close incidents"
        )
    )
    incident = state.incidents.get(cmd.incident)
    if incident is None:
        reasons.append(_r("INPUT", f"there is no incident {cmd.incident}."))
    elif incident.closed_at is not None:
        reasons.append(_r("INPUT", f"{cmd.incident} is already closed."))
    if not cmd.resolution.strip():
        reasons.append(_r("INPUT", "say how it was resolved."))
    return _refuse(reasons) or [
        _Env(cmd)(ev.IncidentClosed, incident=cmd.incident, resolution=cmd.resolution)
    ]


@_handles(c.FileSafetyReport)
def _file_report(state: ProductionState, cmd: c.FileSafetyReport) -> Decision:
    reasons: list[Reason] = []
    if cmd.report in state.reports:
        reasons.append(_r("INPUT", f"report {cmd.report} is already filed."))
    if not cmd.text.strip():
        reasons.append(_r("INPUT", "say what is unsafe."))
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    e = _Env(cmd)(ev.SafetyReportFiled, report=cmd.report, text=cmd.text, anonymous=cmd.anonymous)
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


@_handles(c.CloseSafetyReport)
def _close_report(state: ProductionState, cmd: c.CloseSafetyReport) -> Decision:
    reasons = list(
        _need_role(
            state,
            cmd,
            (Role.SAFETY_SUPERVISOR, Role.PRODUCER, *ARMORER_ROLES),
            "answer safety reports",
        )
    )
    report = state.reports.get(cmd.report)
    if report is None:
        reasons.append(_r("INPUT", f"there is no report {cmd.report}."))
    elif report.closed_at is not None:
        reasons.append(_r("INPUT", f"{cmd.report} is already closed."))
    if not cmd.response.strip():
        reasons.append(_r("R22", "answer the report in words before closing it."))
    return _refuse(reasons) or [
        _Env(cmd)(ev.SafetyReportClosed, report=cmd.report, response=cmd.response)
    ]


@_handles(c.StopWork)
def _stop_work(state: ProductionState, cmd: c.StopWork) -> Decision:
    if not cmd.reason.strip():
        return Refusal((_r("INPUT", "say why work stops."),))
    return [_Env(cmd)(ev.StopWorkStarted, reason=cmd.reason, incident=None)]


@_handles(c.LiftStopWork)
def _lift_stop_work(state: ProductionState, cmd: c.LiftStopWork) -> Decision:
    reasons = list(armorer_and_safety_supervisor_together(state, cmd, "lift stop-work"))
    sw = state.stop_work
    if sw is None:
        reasons.append(_r("INPUT", "work is not stopped."))
    meeting = state.meetings.get(cmd.meeting)
    if meeting is None:
        reasons.append(
            _r(
                "R21",
                f"there is no safety meeting {cmd.meeting} — hold a new one "
                "before lifting stop-work.",
            )
        )
    elif sw is not None and not (sw.since < meeting.at <= cmd.at):
        reasons.append(
            _r(
                "R21",
                f"meeting {cmd.meeting} was held before work stopped — hold a "
                "new safety meeting first.",
            )
        )
    return _refuse(reasons) or [_Env(cmd)(ev.StopWorkLifted, meeting=cmd.meeting)]


# -- reconciliation and records ----------------------------------------------


def every_weapon_is_back_in_storage(state: ProductionState) -> Reasons:
    """R23."""
    for ws in sorted(state.weapons_out(), key=lambda w: w.weapon.id):
        yield _r(
            "R23",
            f"{ws.weapon.id} is still out with {state.name_of(ws.holder)} — every "
            "weapon goes back to storage before the wrap count.",
        )


@_handles(c.ReconcileDay)
def _reconcile(state: ProductionState, cmd: c.ReconcileDay) -> Decision:
    reasons = [
        *_need_role(state, cmd, ARMORER_ROLES, "reconcile the day"),
        *every_weapon_is_back_in_storage(state),
    ]
    record = state.days.get(cmd.day)
    if record is not None and record.state not in (DayState.OPEN, DayState.RECONCILED):
        reasons.append(_r("INPUT", f"{cmd.day} is already closed."))
    counted = [lc.lot for lc in cmd.lot_counts]
    if len(counted) != len(set(counted)):
        reasons.append(_r("INPUT", "count each lot once."))
    for lot in counted:
        if lot not in state.lots:
            reasons.append(_r("INPUT", f"there is no lot {lot}."))
    if (refusal := _refuse(reasons)) is not None:
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
    env = _Env(cmd)
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
        out += _incident_events(
            state,
            env,
            kind="reconciliation_discrepancy",
            description=f"wrap {cmd.day}: " + "; ".join(problems),
            severity=Severity.NOTE,
        )
    return out


@_handles(c.CloseDay)
def _close_day(state: ProductionState, cmd: c.CloseDay) -> Decision:
    reasons = [
        *_need_role(state, cmd, ARMORER_ROLES, "close the day"),
        *every_weapon_is_back_in_storage(state),
    ]
    record = state.days.get(cmd.day)
    if record is None or record.state is not DayState.RECONCILED:
        reasons.append(_r("R23", f"reconcile {cmd.day} first: count every lot and every weapon."))
    if not any(state.has_role(p, *PRODUCTION_REPRESENTATIVE_ROLES) for p in _witnesses(cmd)):
        reasons.append(
            _r(
                "R23",
                "a production representative (producer or 1st AD) signs the "
                "daily log with the armorer — ask them to confirm.",
            )
        )
    if (refusal := _refuse(reasons)) is not None:
        return refusal
    assert record is not None
    return [_Env(cmd)(ev.DayClosed, day=cmd.day, with_discrepancy=bool(record.discrepancies))]


@_handles(c.ResolveDiscrepancy)
def _resolve(state: ProductionState, cmd: c.ResolveDiscrepancy) -> Decision:
    reasons: list[Reason] = []
    people = {cmd.actor} | set(_witnesses(cmd))
    if not (
        any(state.is_armorer(p) for p in people)
        and any(state.has_role(p, Role.PRODUCER) for p in people)
    ):
        reasons.append(
            _r(
                "R23",
                "the armorer and the producer resolve a discrepancy together — "
                "one asks, the other confirms.",
            )
        )
    record = state.days.get(cmd.day)
    if record is None or record.state is not DayState.CLOSED_WITH_DISCREPANCY:
        reasons.append(_r("INPUT", f"{cmd.day} has no unresolved discrepancy."))
    if not cmd.resolution.strip():
        reasons.append(_r("INPUT", "say how the difference was explained."))
    return _refuse(reasons) or [
        _Env(cmd)(ev.DiscrepancyResolved, day=cmd.day, resolution=cmd.resolution)
    ]


@_handles(c.Correct)
def _correct(state: ProductionState, cmd: c.Correct) -> Decision:
    reasons = list(_need_role(state, cmd, (Role.PRODUCER, *ARMORER_ROLES), "record corrections"))
    if not 0 <= cmd.corrects < state.event_count:
        reasons.append(
            _r(
                "R27",
                f"there is no event {cmd.corrects} to correct — corrections "
                "name an earlier event of this production's log.",
            )
        )
    if not cmd.reason.strip():
        reasons.append(_r("R27", "say what was wrong and what is right."))
    return _refuse(reasons) or [
        _Env(cmd)(ev.CorrectionRecorded, corrects=cmd.corrects, reason=cmd.reason)
    ]


_ = IncidentId  # re-exported type used in docstrings
