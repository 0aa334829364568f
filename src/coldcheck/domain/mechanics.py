"""How each action type is built: load positions, inspection checklist, hazards.

R24: the checklist an inspection must tick comes from the action type.
R25: a single-action revolver without a transfer bar fires when a struck
hammer rests on a loaded chamber, so the domain models its hammer.
"""

from __future__ import annotations

from enum import StrEnum


class ActionType(StrEnum):
    """The mechanism of a weapon."""

    SINGLE_ACTION_REVOLVER = "single_action_revolver"
    DOUBLE_ACTION_REVOLVER = "double_action_revolver"
    SEMI_AUTO_PISTOL = "semi_auto_pistol"
    SEMI_AUTO_RIFLE = "semi_auto_rifle"
    BOLT = "bolt"
    LEVER = "lever"
    PUMP = "pump"
    BREAK_ACTION = "break_action"
    BELT_FED = "belt_fed"
    REPLICA = "replica"


class HammerPosition(StrEnum):
    """Hammer of a single-action revolver (R25)."""

    DOWN = "down"
    SAFETY_NOTCH = "safety_notch"
    HALF_COCK = "half_cock"
    FULL_COCK = "full_cock"


class RoundState(StrEnum):
    """What sits in one load position (R11)."""

    EMPTY = "empty"
    DUMMY = "dummy"
    BLANK = "blank"
    SPENT = "spent"
    LIVE = "live"
    UNKNOWN = "unknown"


#: Contents that can go off when struck.
FIREABLE = frozenset({RoundState.BLANK, RoundState.LIVE, RoundState.UNKNOWN})

_REVOLVERS = frozenset({ActionType.SINGLE_ACTION_REVOLVER, ActionType.DOUBLE_ACTION_REVOLVER})
_MAGAZINE = frozenset({ActionType.SEMI_AUTO_PISTOL, ActionType.SEMI_AUTO_RIFLE, ActionType.BOLT})
_TUBE = frozenset({ActionType.LEVER, ActionType.PUMP})

CHECKLISTS: dict[ActionType, tuple[str, ...]] = {
    ActionType.SINGLE_ACTION_REVOLVER: (
        "half cock",
        "open gate",
        "rotate through every chamber",
        "bore",
    ),
    ActionType.DOUBLE_ACTION_REVOLVER: (
        "swing out cylinder",
        "check every chamber",
        "bore",
        "close cylinder",
    ),
    ActionType.SEMI_AUTO_PISTOL: (
        "remove magazine",
        "check every magazine slot",
        "lock slide back",
        "check chamber",
        "bore",
    ),
    ActionType.SEMI_AUTO_RIFLE: (
        "remove magazine",
        "check every magazine slot",
        "lock bolt back",
        "check chamber",
        "bore",
    ),
    ActionType.BOLT: (
        "open bolt",
        "check every magazine slot",
        "check chamber",
        "bore",
    ),
    ActionType.LEVER: (
        "cycle lever until the tube is empty",
        "check tube",
        "open action",
        "check chamber",
        "bore",
    ),
    ActionType.PUMP: (
        "cycle action until the tube is empty",
        "check tube",
        "check chamber",
        "bore",
    ),
    ActionType.BREAK_ACTION: (
        "open action",
        "check every barrel",
        "bore",
    ),
    ActionType.BELT_FED: (
        "open feed cover",
        "remove belt",
        "check feed tray",
        "check chamber",
        "bore",
    ),
    ActionType.REPLICA: (
        "confirm it is the non-firing replica",
        "check there is no bore or chamber",
    ),
}

HAZARDS: dict[ActionType, tuple[str, ...]] = {
    ActionType.SINGLE_ACTION_REVOLVER: (
        "Without a transfer bar, a hammer resting on a loaded chamber fires it when struck.",
        "The safety notch can break; do not trust it to hold.",
        "Keep the chamber under the hammer empty.",
    ),
    ActionType.DOUBLE_ACTION_REVOLVER: (
        "A long trigger pull cocks and fires; every pull can fire.",
    ),
    ActionType.SEMI_AUTO_PISTOL: (
        "Removing the magazine does not unload the chamber.",
        "Each trigger pull fires and chambers the next round.",
    ),
    ActionType.SEMI_AUTO_RIFLE: (
        "Removing the magazine does not unload the chamber.",
        "Each trigger pull fires and chambers the next round.",
    ),
    ActionType.BOLT: ("A round can stay in the chamber with the magazine empty.",),
    ActionType.LEVER: (
        "The tube magazine hides rounds; cycle until nothing comes out.",
        "A round can stay in the chamber with the tube empty.",
    ),
    ActionType.PUMP: (
        "The tube magazine hides rounds; cycle until nothing comes out.",
        "A round can stay in the chamber with the tube empty.",
    ),
    ActionType.BREAK_ACTION: ("Check every barrel; a double gun has two bores.",),
    ActionType.BELT_FED: (
        "Fires as long as the trigger is held.",
        "A round can stay in the chamber after the belt is removed.",
    ),
    ActionType.REPLICA: ("Non-firing, but looks real: keep custody as for a firearm.",),
}


def load_positions(action: ActionType, capacity: int) -> tuple[str, ...]:
    """The names of every position a round can be in, for an action of this capacity."""
    n = max(capacity, 0)
    if action in _REVOLVERS:
        return tuple(f"chamber {i}" for i in range(1, n + 1))
    if action in _MAGAZINE:
        return (*(f"magazine {i}" for i in range(1, n + 1)), "chamber")
    if action in _TUBE:
        return (*(f"tube {i}" for i in range(1, n + 1)), "chamber")
    if action is ActionType.BREAK_ACTION:
        return tuple(f"barrel {i}" for i in range(1, n + 1))
    if action is ActionType.BELT_FED:
        return (*(f"belt {i}" for i in range(1, n + 1)), "chamber")
    return ()


def inspection_checklist(action: ActionType) -> tuple[str, ...]:
    """Every step an inspection of this action must tick (R24)."""
    return CHECKLISTS[action]


def hazards(action: ActionType) -> tuple[str, ...]:
    """The hazards of this action, in plain words."""
    return HAZARDS[action]


def has_exposed_hammer_hazard(action: ActionType, transfer_bar: bool) -> bool:
    """True for a single-action revolver without a transfer bar (R25)."""
    return action is ActionType.SINGLE_ACTION_REVOLVER and not transfer_bar


def can_fire_without_trigger(
    action: ActionType,
    transfer_bar: bool,
    hammer: HammerPosition | None,
    under_hammer: RoundState | None,
) -> bool:
    """Can this weapon, as recorded, fire from a blow with no trigger pull? (R25)

    Only a single-action revolver without a transfer bar is modelled: a
    hammer resting down (or in the safety notch, which can break) on a
    chamber holding a round that can go off means yes.  An unknown hammer
    position counts as down.
    """
    if not has_exposed_hammer_hazard(action, transfer_bar):
        return False
    if under_hammer is None or under_hammer not in FIREABLE:
        return False
    return hammer in (None, HammerPosition.DOWN, HammerPosition.SAFETY_NOTCH)
