"""Replay at speed: a production's state built in place, frozen once at the end.

:func:`coldcheck.domain.state.apply` is the reference fold: every event makes a new
frozen :class:`ProductionState` (about 25 fields) and copies each mapping it touches,
so one event costs tens of microseconds and a mapping of n weapons costs O(n) per
event. :class:`StateBuilder` folds the same events into a draft state that nobody else
holds: the draft's own mappings (weapons, lots, days, ...) are changed in place and its
scalar fields set in place; the values inside them (``WeaponState``, ``LotState``, ...)
stay frozen and are replaced, never changed, so a frozen copy taken at any point
(:meth:`StateBuilder.freeze`, which copies the mappings once) shares nothing that moves.

The events of a shoot day (take out, inspect, hand over, take back, load, fire, unload,
return, lock and unlock, scene plans, safety meetings, wrap) and of a production's set-up
(people and roles, training, permits, weapon registrations) have an in-place step here,
each the reference's ``case`` of ``state._apply`` written against the draft (a newly
registered weapon's state and a self-loader's cycle are the reference's own functions,
``state._registered`` and ``state._cycle``); every other event goes
through the reference ``_apply`` itself, and an event signed with passkeys raises their
counters through the reference ``_counted``. The states equal the reference fold's,
with every mapping in the same order (tests/unit/domain/test_replaying.py: scripted
days, and a hypothesis property over generated histories).

Pure: standard library only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from coldcheck.domain import events as ev
from coldcheck.domain.events import Event
from coldcheck.domain.ids import ContainerId, LotId, ProductionId
from coldcheck.domain.mechanics import ActionType, HammerPosition, RoundState, load_positions
from coldcheck.domain.model import (
    BoreFinding,
    Disposition,
    Permit,
    Person,
    SafetyMeeting,
    ScenePlan,
    TrainingRecord,
)
from coldcheck.domain.state import (
    EMPTY,
    ContainerState,
    Custody,
    DayRecord,
    DayState,
    Load,
    LotState,
    ProductionState,
    WeaponState,
    _apply,
    _counted,
    _cycle,
    _inspection_changes,
    _inspection_fields,
    _registered,
    empty_state,
)

__all__ = ["StateBuilder", "replay_in_place"]

T = TypeVar("T")

_MAPPINGS = tuple(f.name for f in dataclasses.fields(ProductionState) if f.default_factory is dict)
"""The fields of a state that are mappings: the draft holds its own copy of each."""

_EVOLVED = (WeaponState, LotState, ContainerState, DayRecord)
for _cls in _EVOLVED:
    # _evolve below is dataclasses.replace for exactly these: every field set by
    # __init__ from its argument, nothing computed after, no slots
    if (
        hasattr(_cls, "__post_init__")
        or "__slots__" in _cls.__dict__
        or any(not f.init for f in dataclasses.fields(_cls))
    ):
        raise TypeError(f"{_cls.__name__} can no longer be copied field for field")


def _evolve(obj: T, **changes: Any) -> T:
    """``dataclasses.replace(obj, **changes)`` for the plain frozen values in ``_EVOLVED``."""
    new = object.__new__(type(obj))
    fields = new.__dict__
    fields.update(obj.__dict__)
    fields.update(changes)
    return new


_POSITIONS: dict[tuple[ActionType, int], tuple[str, ...]] = {}


def _positions(ws: WeaponState) -> tuple[str, ...]:
    """``ws.positions``, remembered per action and capacity."""
    key = (ws.weapon.action, ws.weapon.capacity)
    found = _POSITIONS.get(key)
    if found is None:
        found = _POSITIONS[key] = load_positions(*key)
    return found


class StateBuilder:
    """One production's state, folded in place; :meth:`freeze` gives the frozen state."""

    __slots__ = ("_draft",)

    def __init__(self, start: ProductionId | ProductionState) -> None:
        state = empty_state(start) if isinstance(start, str) else start
        self._draft = _copy(state)

    def apply(self, event: Event) -> None:
        """Fold one event (what ``state.apply`` does, in place)."""
        draft = self._draft
        fields = draft.__dict__
        fields["event_count"] += 1
        step = _STEPS.get(type(event))
        if step is None:
            draft = self._draft = _apply(draft, event)  # the reference: a new state
        else:
            step(draft, fields, event)
        if event.signatures:  # passkey counters, as state.apply raises them (the reference)
            self._draft = _counted(draft, event)

    def apply_all(self, events: Iterable[Event]) -> None:
        """Fold events, oldest first."""
        for event in events:
            self.apply(event)

    @property
    def event_count(self) -> int:
        """How many events were folded so far (with those of the starting state)."""
        return self._draft.event_count

    def freeze(self) -> ProductionState:
        """The state so far, frozen (a copy: folding on does not change it)."""
        return _copy(self._draft)


def replay_in_place(production: ProductionId, events: Iterable[Event]) -> ProductionState:
    """``state.replay``, in place: the same state, faster."""
    builder = StateBuilder(production)
    builder.apply_all(events)
    return builder.freeze()


def _copy(state: ProductionState) -> ProductionState:
    """The state with a fresh dict for every mapping (through ``dataclasses.replace``)."""
    mappings: dict[str, Any] = {name: dict(getattr(state, name)) for name in _MAPPINGS}
    return dataclasses.replace(state, **mappings)


# -- the in-place steps: each is its `case` of state._apply, on the draft -------------

Fields = dict[str, Any]
Step = Callable[[ProductionState, Fields, Any], None]


def _weapon(f: Fields, e: Any, **changes: Any) -> None:
    weapons = f["weapons"]
    weapons[e.weapon] = _evolve(weapons[e.weapon], **changes)


def _lot(lots: dict[LotId, LotState], lot: LotId, **deltas: int) -> None:
    ls = lots[lot]
    lots[lot] = _evolve(ls, **{k: getattr(ls, k) + v for k, v in deltas.items()})


def _container(
    containers: dict[ContainerId, ContainerState], container: ContainerId, lot: LotId, delta: int
) -> None:
    cs = containers[container]
    count = cs.contents.get(lot, 0) + delta
    contents = {k: v for k, v in cs.contents.items() if k != lot}
    if count:
        contents[lot] = count
    containers[container] = _evolve(cs, contents=contents)


def _with(contents: Mapping[str, Load], changes: Mapping[str, Load]) -> dict[str, Load]:
    new = dict(contents)
    new.update(changes)
    return new


def _person_added(s: ProductionState, f: Fields, e: ev.PersonAdded) -> None:
    f["people"][e.person] = Person(e.person, e.name)


def _role_assigned(s: ProductionState, f: Fields, e: ev.RoleAssigned) -> None:
    roles = f["roles"]
    roles[e.person] = roles.get(e.person, frozenset()) | {e.role}


def _role_ended(s: ProductionState, f: Fields, e: ev.RoleEnded) -> None:
    roles = f["roles"]
    roles[e.person] = roles.get(e.person, frozenset()) - {e.role}


def _training_recorded(s: ProductionState, f: Fields, e: ev.TrainingRecorded) -> None:
    training = f["training"]
    training[e.person] = training.get(e.person, frozenset()) | {e.action}
    records = tuple(
        r for r in s.training_records if not (r.person == e.person and r.action is e.action)
    )
    if e.course or e.trained_on or e.expires:
        records += (TrainingRecord(e.person, e.action, e.course, e.trained_on, e.expires),)
    f["training_records"] = records


def _permit_recorded(s: ProductionState, f: Fields, e: ev.PermitRecorded) -> None:
    permits = f["permits"]
    kept = tuple(p for p in permits.get(e.person, ()) if p.kind is not e.kind)
    permits[e.person] = (*kept, Permit(e.kind, e.number, e.expires))


def _weapon_registered(s: ProductionState, f: Fields, e: ev.WeaponRegistered) -> None:
    f["weapons"][e.weapon] = _registered(e)


def _armory_unlocked(s: ProductionState, f: Fields, e: ev.ArmoryUnlocked) -> None:
    f["armory_locked"] = False


def _armory_locked(s: ProductionState, f: Fields, e: ev.ArmoryLocked) -> None:
    f["armory_locked"] = True


def _taken_out(s: ProductionState, f: Fields, e: ev.WeaponTakenOut) -> None:
    day = s.local_day(e.at)
    days = f["days"]
    record = days.get(day)
    if record is None or not record.worked:  # a day already worked stays as it is (equal)
        days[day] = _evolve(DayRecord(day) if record is None else record, worked=True)
    _weapon(f, e, location=Custody.ARMORER, holder=e.by, issued_by=e.by)


def _returned(s: ProductionState, f: Fields, e: ev.WeaponReturnedToStorage) -> None:
    _weapon(
        f,
        e,
        location=Custody.STORAGE,
        holder=None,
        issued_by=e.by,
        inspection=None,
        out_since=None,
    )


def _inspected(s: ProductionState, f: Fields, e: ev.InspectionRecorded) -> None:
    # state._apply_inspection's own rule, with one copy of the weapon's state instead of
    # two, the positions remembered, and the contents kept when every finding matches them
    weapons = f["weapons"]
    ws: WeaponState = weapons[e.weapon]
    contents = ws.contents
    changes = _inspection_changes(contents, e)
    if changes:
        contents = _with(contents, changes)
    all_empty = _all_empty(contents, _positions(ws))
    weapons[e.weapon] = _evolve(
        ws, contents=contents, **_inspection_fields(e, ws.loaded_from, all_empty)
    )


def _all_empty(contents: Mapping[str, Load], positions: tuple[str, ...]) -> bool:
    """Every position of the weapon is empty (a position not in ``contents`` is)."""
    for position in positions:
        load = contents.get(position)
        if load is not None and load.state is not RoundState.EMPTY:
            return False
    return True


def _bore_checked(s: ProductionState, f: Fields, e: ev.BoreChecked) -> None:
    _weapon(f, e, bore_check_due=None if e.bore is BoreFinding.CLEAR else "obstructed")


def _loaded(s: ProductionState, f: Fields, e: ev.WeaponLoaded) -> None:
    weapons, lots, containers = f["weapons"], f["lots"], f["containers"]
    ws: WeaponState = weapons[e.weapon]
    changes: dict[str, Load] = {}
    for pl in e.loads:
        lot = lots[pl.lot].lot
        changes[pl.position] = Load(RoundState(lot.round_class.value), pl.lot, lot.blank_load)
        _lot(lots, pl.lot, in_store=-1, in_weapons=1)
        _container(containers, e.container, pl.lot, -1)
    more: dict[str, Any] = {}
    if e.hammer_over is not None:
        more = {"hammer": HammerPosition.DOWN, "hammer_over": e.hammer_over}
    if e.hammer is not None:
        more["hammer"] = e.hammer
    if e.bolt is not None:
        more["bolt"] = e.bolt
    weapons[e.weapon] = _evolve(
        ws,
        contents=_with(ws.contents, changes),
        loaded_from=ws.loaded_from | {pl.lot for pl in e.loads},
        **more,
    )


def _unloaded(s: ProductionState, f: Fields, e: ev.WeaponUnloaded) -> None:
    weapons, lots, containers = f["weapons"], f["lots"], f["containers"]
    ws: WeaponState = weapons[e.weapon]
    changes: dict[str, Load] = {}
    dummies = False
    for position in e.positions:
        load = ws.contents.get(position, EMPTY)
        changes[position] = EMPTY
        if load.state is RoundState.DUMMY:
            dummies = True
        if load.state in (RoundState.SPENT, RoundState.EMPTY) or load.lot is None:
            continue
        if e.disposition is Disposition.STORE and e.container is not None:
            _lot(lots, load.lot, in_weapons=-1, in_store=1)
            _container(containers, e.container, load.lot, 1)
        else:
            _lot(lots, load.lot, in_weapons=-1, destroyed=1)
    more: dict[str, Any] = {}
    if dummies:
        more["bore_check_due"] = "dummies"
    if ws.misfire is not None and ws.misfire.position in e.positions:
        more["misfire"] = None
    weapons[e.weapon] = _evolve(
        ws,
        contents=_with(ws.contents, changes),
        misfired=ws.misfired - set(e.positions),
        **more,
    )


def _handed_over(s: ProductionState, f: Fields, e: ev.WeaponHandedOver) -> None:
    as_armorer = s.is_armorer(e.to) if e.as_armorer is None else e.as_armorer
    if as_armorer:
        _weapon(f, e, location=Custody.ARMORER, holder=e.to, issued_by=e.to, out_since=None)
    else:
        _weapon(f, e, location=Custody.PERFORMER, holder=e.to, issued_by=e.by, out_since=e.at)


def _taken_back(s: ProductionState, f: Fields, e: ev.WeaponTakenBack) -> None:
    _weapon(
        f,
        e,
        location=Custody.ARMORER,
        holder=e.by,
        issued_by=e.by,
        inspection=None,
        out_since=None,
    )


def _fired(s: ProductionState, f: Fields, e: ev.BlanksFired) -> None:
    weapons, lots = f["weapons"], f["lots"]
    ws: WeaponState = weapons[e.weapon]
    changes: dict[str, Load] = {}
    for position in e.positions:
        load = ws.contents.get(position, EMPTY)
        changes[position] = Load(RoundState.SPENT, load.lot, load.blank_load)
        if load.lot is not None:
            _lot(lots, load.lot, in_weapons=-1, fired=1, fired_since_count=1)
    weapons[e.weapon] = _evolve(
        ws,
        contents=_with(ws.contents, changes),
        bore_check_due="fired",
        hammer=HammerPosition.DOWN,
        hammer_over=e.positions[-1] if e.positions else ws.hammer_over,
        misfired=ws.misfired - set(e.positions),
    )
    if e.positions:  # a self-loader cycles (R25), as the frozen fold says
        weapons[e.weapon] = _cycle(weapons[e.weapon])


def _scene_planned(s: ProductionState, f: Fields, e: ev.ScenePlanned) -> None:
    f["scenes"][e.scene] = ScenePlan(
        e.scene,
        e.day,
        e.title,
        e.setup,
        e.weapons,
        e.performers,
        e.fires_blanks,
        e.points_at_people_or_camera,
        e.closest_distance_ft,
        e.protection,
        e.signed_off_by,
        e.revision,
    )


def _meeting_held(s: ProductionState, f: Fields, e: ev.SafetyMeetingHeld) -> None:
    f["meetings"][e.meeting] = SafetyMeeting(
        e.meeting, e.day, e.at, e.scenes, e.scene_revisions, e.attendees, e.notes
    )


def _day_reconciled(s: ProductionState, f: Fields, e: ev.DayReconciled) -> None:
    days, lots = f["days"], f["lots"]
    worked = days[e.day].worked if e.day in days else False
    days[e.day] = DayRecord(e.day, DayState.RECONCILED, e.discrepancies, worked=worked)
    for lot, ls in lots.items():
        lots[lot] = _evolve(ls, fired_since_count=0)


def _day_closed(s: ProductionState, f: Fields, e: ev.DayClosed) -> None:
    days = f["days"]
    record = days.get(e.day)
    state = DayState.CLOSED_WITH_DISCREPANCY if e.with_discrepancy else DayState.CLOSED
    days[e.day] = _evolve(DayRecord(e.day) if record is None else record, state=state)


_STEPS: dict[type[Any], Step] = {
    ev.ScenePlanned: _scene_planned,
    ev.SafetyMeetingHeld: _meeting_held,
    ev.DayReconciled: _day_reconciled,
    ev.DayClosed: _day_closed,
    ev.PersonAdded: _person_added,
    ev.TrainingRecorded: _training_recorded,
    ev.PermitRecorded: _permit_recorded,
    ev.WeaponRegistered: _weapon_registered,
    ev.RoleAssigned: _role_assigned,
    ev.RoleEnded: _role_ended,
    ev.ArmoryUnlocked: _armory_unlocked,
    ev.ArmoryLocked: _armory_locked,
    ev.WeaponTakenOut: _taken_out,
    ev.WeaponReturnedToStorage: _returned,
    ev.InspectionRecorded: _inspected,
    ev.BoreChecked: _bore_checked,
    ev.WeaponLoaded: _loaded,
    ev.WeaponUnloaded: _unloaded,
    ev.WeaponHandedOver: _handed_over,
    ev.WeaponTakenBack: _taken_back,
    ev.BlanksFired: _fired,
}
"""The events folded in place; every other event goes through the reference ``_apply``."""
