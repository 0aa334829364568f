"""Containers and lots (R01-R05)."""

from __future__ import annotations

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.bounds import MAX_LOT_COUNT, is_written
from coldcheck.domain.errors import Reason, Refusal
from coldcheck.domain.events import Event
from coldcheck.domain.ids import is_container_tag, is_lot_tag
from coldcheck.domain.model import ARMORER_ROLES, RoundClass, StorageLocation
from coldcheck.domain.rulebook.checks import (
    a_second_person_witnesses_the_disposition,
    armorer_and_safety_supervisor_together,
    blanks_and_dummies_never_share_a_container,
    only_a_qualified_armorer_handles_weapons,
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
)
from coldcheck.domain.state import ProductionState


@handles(c.CreateContainer)
def _create_container(state: ProductionState, cmd: c.CreateContainer) -> Decision:
    reasons = list(need_role(state, cmd, ARMORER_ROLES, "create containers"))
    if not is_container_tag(cmd.container):
        reasons.append(because("INPUT", f"'{cmd.container}' is not a container tag — use C-0001."))
    elif cmd.container in state.containers:
        reasons.append(because("INPUT", f"{cmd.container} already exists."))
    return refuse(reasons) or [
        Env(cmd)(
            ev.ContainerCreated, container=cmd.container, label=cmd.label, location=cmd.location
        )
    ]


@handles(c.MoveContainer)
def _move_container(state: ProductionState, cmd: c.MoveContainer) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "move ammunition"),
        *container_exists(state, cmd.container),
    ]
    if state.armory_locked and cmd.to is StorageLocation.CART:
        reasons.append(because("R09", "the armory is locked up — unlock it first."))
    return refuse(reasons) or [Env(cmd)(ev.ContainerMoved, container=cmd.container, to=cmd.to)]


@handles(c.ReceiveLot)
def _receive_lot(state: ProductionState, cmd: c.ReceiveLot) -> Decision:
    reasons = list(need_role(state, cmd, ARMORER_ROLES, "receive ammunition"))
    if not is_lot_tag(cmd.lot):
        reasons.append(because("INPUT", f"'{cmd.lot}' is not a lot tag — use L-0001 style."))
    elif cmd.lot in state.lots:
        reasons.append(
            because("INPUT", f"{cmd.lot} is already received — give the new lot a new tag.")
        )
    if cmd.round_class is RoundClass.LIVE and state.live_exception is None:
        reasons.append(
            because(
                "R01",
                "no live ammunition on a production — refuse the delivery "
                "(only a recorded §9155 exception naming a supervisor allows it).",
            )
        )
    if cmd.count <= 0:
        reasons.append(because("R02", "give the number of rounds received (more than 0)."))
    elif cmd.count > MAX_LOT_COUNT:
        reasons.append(
            because(
                "INPUT",
                f"{cmd.count:,} rounds is more than one lot holds ({MAX_LOT_COUNT:,}) — "
                "receive the delivery as several lots.",
            )
        )
    if not is_written(cmd.calibre) or not is_written(cmd.supplier):
        reasons.append(because("R02", "record the calibre and the supplier of every lot."))
    if cmd.round_class is RoundClass.BLANK and cmd.blank_load is None:
        reasons.append(because("R02", "record the load of the blanks: full, half or quarter."))
    if cmd.round_class is not RoundClass.BLANK and cmd.blank_load is not None:
        reasons.append(because("R02", "only blanks have a load — leave it empty."))
    container_ok = cmd.container in state.containers
    if not container_ok:
        reasons.extend(container_exists(state, cmd.container))
    else:
        reasons.extend(
            blanks_and_dummies_never_share_a_container(state, cmd.container, cmd.round_class)
        )
    return refuse(reasons) or [
        Env(cmd)(
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


def every_round_still_in_the_lot_is_checked_once(
    state: ProductionState, cmd: c.VerifyDummies
) -> Reasons:
    """R03: every round the lot still holds in store, each once, numbered within the lot.

    Rounds destroyed, returned or sealed since are no longer in the lot: a
    verification after a failed round was destroyed covers the rest (never a
    false "passed" for a round that is gone).
    """
    ls = state.lots[cmd.lot]
    numbers = [r.number for r in cmd.rounds]
    outside = sorted({n for n in numbers if not 1 <= n <= ls.lot.count})
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if outside:
        shown = ", ".join(str(n) for n in outside[:10])
        yield because(
            "R03",
            f"{cmd.lot} has rounds numbered 1 to {ls.lot.count}; there is no round {shown}.",
        )
    if repeated:
        shown = ", ".join(str(n) for n in repeated[:10])
        yield because("R03", f"check each round of {cmd.lot} once; round(s) {shown} repeated.")
    if ls.in_store == 0:
        yield because("INPUT", f"{cmd.lot} has no rounds in store to verify.")
    elif len(set(numbers)) != ls.in_store:
        missing = sorted(set(range(1, ls.lot.count + 1)) - set(numbers))
        which = (
            f" rounds {', '.join(str(n) for n in missing[:10])} are missing"
            if ls.in_store == ls.lot.count and missing
            else " rounds destroyed, returned or sealed are no longer in the lot"
        )
        yield because(
            "R03",
            f"{cmd.lot} holds {ls.in_store} rounds in store — check every one of them once "
            f"(you checked {len(set(numbers))});{which}.",
        )


@handles(c.VerifyDummies)
def _verify_dummies(state: ProductionState, cmd: c.VerifyDummies) -> Decision:
    reasons = [
        *only_a_qualified_armorer_handles_weapons(state, cmd, "verify dummies"),
        *lot_exists(state, cmd.lot),
    ]
    if reasons:
        return Refusal(tuple(reasons))
    ls = state.lots[cmd.lot]
    if ls.lot.round_class is not RoundClass.DUMMY:
        reasons.append(because("INPUT", f"{cmd.lot} is not a dummy lot."))
    if not is_written(cmd.method):
        reasons.append(
            because(
                "R03", "record how each round was checked (rattle, no live primer, holed case)."
            )
        )
    reasons += every_round_still_in_the_lot_is_checked_once(state, cmd)
    if (refusal := refuse(reasons)) is not None:
        return refusal
    env = Env(cmd)
    failed = tuple(sorted(r.number for r in cmd.rounds if not r.passed))
    checked = len(cmd.rounds)
    out: list[Event] = [
        env(ev.DummiesVerified, lot=cmd.lot, method=cmd.method, checked=checked, failed=failed)
    ]
    if failed:
        notes = "; ".join(r.note for r in cmd.rounds if not r.passed and r.note)
        desc = (
            f"dummy lot {cmd.lot} failed verification: round(s) "
            f"{', '.join(map(str, failed))}{' (' + notes + ')' if notes else ''}"
        )
        out += incident_events(state, env, kind="dummy_failed", description=desc, lots=(cmd.lot,))
    return out


@handles(c.MoveRounds)
def _move_rounds(state: ProductionState, cmd: c.MoveRounds) -> Decision:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, "move rounds"),
        *lot_exists(state, cmd.lot),
        *container_exists(state, cmd.from_container),
        *container_exists(state, cmd.to_container),
    ]
    if reasons:
        return Refusal(tuple(reasons))
    if cmd.from_container == cmd.to_container:
        reasons.append(because("INPUT", "the rounds are already in that container."))
    reasons += enough_rounds(state, cmd.from_container, cmd.lot, cmd.count)
    reasons += blanks_and_dummies_never_share_a_container(
        state, cmd.to_container, state.lots[cmd.lot].lot.round_class
    )
    return refuse(reasons) or [
        Env(cmd)(
            ev.RoundsMoved,
            lot=cmd.lot,
            from_container=cmd.from_container,
            to_container=cmd.to_container,
            count=cmd.count,
        )
    ]


def _remove_from_store(
    state: ProductionState, cmd: c.ReturnLot | c.DestroyRounds, what: str
) -> list[Reason]:
    reasons = [
        *need_role(state, cmd, ARMORER_ROLES, what),
        *lot_exists(state, cmd.lot),
        *container_exists(state, cmd.container),
    ]
    if not reasons:
        reasons += enough_rounds(state, cmd.container, cmd.lot, cmd.count)
    return reasons


@handles(c.ReturnLot)
def _return_lot(state: ProductionState, cmd: c.ReturnLot) -> Decision:
    reasons = _remove_from_store(state, cmd, "return rounds to a supplier")
    reasons += a_second_person_witnesses_the_disposition(state, cmd, "returned to the supplier")
    return refuse(reasons) or [
        Env(cmd)(
            ev.LotReturned, lot=cmd.lot, container=cmd.container, count=cmd.count, note=cmd.note
        )
    ]


@handles(c.DestroyRounds)
def _destroy_rounds(state: ProductionState, cmd: c.DestroyRounds) -> Decision:
    reasons = _remove_from_store(state, cmd, "destroy rounds")
    reasons += a_second_person_witnesses_the_disposition(state, cmd, "destroyed")
    return refuse(reasons) or [
        Env(cmd)(
            ev.RoundsDestroyed, lot=cmd.lot, container=cmd.container, count=cmd.count, note=cmd.note
        )
    ]


@handles(c.ReleaseLot)
def _release_lot(state: ProductionState, cmd: c.ReleaseLot) -> Decision:
    reasons = [
        *lot_exists(state, cmd.lot),
        *armorer_and_safety_supervisor_together(state, cmd, "release a lot"),
    ]
    if not reasons and not state.lots[cmd.lot].quarantined:
        reasons.append(because("INPUT", f"{cmd.lot} is not quarantined."))
    if not is_written(cmd.note):
        reasons.append(
            because("R03", "say why the lot is safe to use again (what was checked, by whom).")
        )
    if not reasons and state.lots[cmd.lot].verified is False:
        reasons.append(
            because(
                "R03",
                f"{cmd.lot} has not passed verification — verify every round "
                "again before releasing it.",
            )
        )
    return refuse(reasons) or [Env(cmd)(ev.LotReleased, lot=cmd.lot, note=cmd.note)]
