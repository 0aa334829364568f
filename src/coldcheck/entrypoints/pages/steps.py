"""What a weapon page offers: only the next sensible steps, only to those who may take them,
and a hazard colour that follows the worst fact about the weapon."""

from __future__ import annotations

from dataclasses import dataclass

from coldcheck.domain.mechanics import RoundState
from coldcheck.domain.model import WeaponKind
from coldcheck.domain.status import LoadLabel, WeaponStatus

#: worst first: the colour of a weapon is the colour of its worst fact
HAZARD_ORDER = ("danger", "blank", "caution", "dummy", "cold")


def hazard(status: WeaponStatus) -> str:
    """'danger' (quarantined, a live or unidentified round, can fire without a trigger pull,
    a misfire), 'blank', 'caution' (unverified, bore check due), 'dummy', or 'cold'."""
    held = {load.state for _, load in status.positions}
    if (
        status.quarantined
        or held & {RoundState.LIVE, RoundState.UNKNOWN}
        or status.can_fire_without_trigger
        or status.misfire_at is not None
    ):
        return "danger"
    if RoundState.BLANK in held:
        return "blank"
    if status.label is LoadLabel.UNVERIFIED or status.bore_check_due:
        return "caution"
    if status.label is LoadLabel.DUMMY_LOADED:
        return "dummy"
    return "cold" if status.label is LoadLabel.COLD else "caution"


@dataclass(frozen=True)
class Steps:
    """The steps offered now (``offered``) and the one to do next (``primary``)."""

    offered: frozenset[str]
    primary: str


def next_steps(status: WeaponStatus, can: frozenset[str]) -> Steps:
    """The steps a person with the commands ``can`` may sensibly take with the weapon now."""
    out: set[str] = set()
    primary = ""
    if status.retired:
        return Steps(frozenset(), "")
    if "RecordUnplannedDischarge" in can:
        out.add("discharge")
    held = {load.state for _, load in status.positions}
    loaded = bool(held - {RoundState.EMPTY})
    replica = status.kind is WeaponKind.REPLICA
    where = status.location.value
    if where == "storage":
        if "TakeOutOfStorage" in can:
            out.add("take-out")
            primary = "take-out"
        if "RetireWeapon" in can:
            out.add("retire")
        return Steps(frozenset(out), primary)
    if where == "performer":
        if "InspectWeapon" in can:  # the armorer takes it back (R08)
            out.add("take-back")
            primary = "take-back"
        if "RecordFiring" in can and RoundState.BLANK in held:
            out.add("fire")
        return Steps(frozenset(out), primary)
    # with an armorer
    if "InspectWeapon" not in can:
        return Steps(frozenset(out), primary)
    out.add("inspect")
    if not replica:
        out.add("bore")  # always sensible in the armorer's hands (R15, R16)
    if loaded:
        out.add("unload")
    if RoundState.BLANK in held:
        out.add("fire")
    if status.quarantined:
        if "ClearWeaponQuarantine" in can:
            out.add("clear")
        primary = "unload" if loaded else "inspect"
        return Steps(frozenset(out), primary)
    if status.misfire_at is not None:
        return Steps(frozenset(out), "unload")
    if not status.inspection_valid:
        primary = "inspect"
        if not loaded:
            out.add("return")
        return Steps(frozenset(out), primary)
    has_room = any(load.state is RoundState.EMPTY for _, load in status.positions)
    if not replica and has_room and not status.bore_check_due:
        out.add("load")
    out.add("hand-over")
    if not loaded:
        out.add("return")
    primary = "bore" if status.bore_check_due else "hand-over"
    return Steps(frozenset(out), primary)
