"""How each action type is built: load positions, inspection checklist, hazards.

R24: the checklist an inspection must tick comes from the action type.
R25: a single-action revolver without a transfer bar fires when a struck
hammer rests on a loaded chamber, so the domain models its hammer. Issue 18
(part 6) widens it: a closed-bolt semi-automatic with a round chambered (cocked,
or without a drop safety), an open-bolt weapon with its bolt back on a loaded
magazine, a slam-fire pump, a chambered round on top of a full magazine
(capacity + 1), and a blank-adapted weapon without its adapter
(:func:`recorded_hazards`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


# -- the wider hazard model (R25, issue 18 part 6) -------------------------------------


class BoltPosition(StrEnum):
    """Bolt of an open-bolt weapon (R25): back (cocked, ready to fire) or forward."""

    BACK = "back"
    FORWARD = "forward"


#: Closed-bolt self-loaders: firing chambers the next round and leaves the hammer cocked.
SELF_LOADING = frozenset({ActionType.SEMI_AUTO_PISTOL, ActionType.SEMI_AUTO_RIFLE})
#: Actions an open-bolt design exists for (submachine guns, many blank-firing conversions).
OPEN_BOLT_ACTIONS = frozenset(
    {ActionType.SEMI_AUTO_PISTOL, ActionType.SEMI_AUTO_RIFLE, ActionType.BELT_FED}
)
#: Actions a slam-fire design exists for (Winchester 1897 type: no trigger disconnector).
SLAM_FIRE_ACTIONS = frozenset({ActionType.PUMP})
CHAMBER = "chamber"


@dataclass(frozen=True)
class Build:
    """What a weapon's registration says of its mechanism (R25).

    ``drop_safety``: a firing-pin block or drop safety keeps a blow or a drop from
    firing a chambered round; a weapon not recorded as having one is taken not to.
    ``decocker``: a closed-bolt semi-automatic whose hammer can be lowered on a
    chambered round (a decocker or a double-action first shot); a striker-fired
    pistol stays cocked once a round is chambered.
    """

    action: ActionType
    transfer_bar: bool = False
    open_bolt: bool = False
    slam_fire: bool = False
    drop_safety: bool = False
    decocker: bool = False
    blank_adapted: bool = False

    @property
    def closed_bolt_self_loader(self) -> bool:
        return self.action in SELF_LOADING and not self.open_bolt


@dataclass(frozen=True)
class ActionState:
    """What the record says of a weapon's action now (R25).

    ``contents`` maps every load position to what it holds; ``hammer`` is the
    revolver's hammer, or the hammer/striker of a closed-bolt semi-automatic
    (``full_cock`` = cocked, ``down`` = lowered); ``cycled`` is True when a
    self-loader fired since its last inspection (it fed itself the next round).
    """

    contents: Mapping[str, RoundState]
    hammer: HammerPosition | None = None
    hammer_over: str | None = None
    bolt: BoltPosition | None = None
    adapter_fitted: bool | None = None
    cycled: bool = False

    def held(self, position: str) -> RoundState:
        return self.contents.get(position, RoundState.EMPTY)

    def feed(self) -> tuple[RoundState, ...]:
        """What the magazine, tube or belt holds (every position but the chamber)."""
        return tuple(s for p, s in self.contents.items() if p != CHAMBER)


class HazardKind(StrEnum):
    """Why a weapon, as recorded, is dangerous beyond its action's generic hazards."""

    STRUCK_HAMMER = "struck_hammer"
    DROP = "drop"
    BOLT_BACK = "bolt_back"
    SLAM_FIRE = "slam_fire"
    COCKED = "cocked"
    PLUS_ONE = "plus_one"
    UNSEEN_CHAMBER = "unseen_chamber"
    NO_ADAPTER = "no_adapter"


#: Hazards that fire the weapon without a trigger pull (a blow, a drop, the bolt or slide
#: moving): the weapon page says CAN FIRE WITHOUT A TRIGGER PULL for these.
WITHOUT_TRIGGER = frozenset(
    {HazardKind.STRUCK_HAMMER, HazardKind.DROP, HazardKind.BOLT_BACK, HazardKind.SLAM_FIRE}
)


@dataclass(frozen=True)
class Hazard:
    """One recorded hazard in plain words."""

    kind: HazardKind
    words: str

    @property
    def without_trigger(self) -> bool:
        return self.kind in WITHOUT_TRIGGER


def _fireable(states: Iterable[RoundState]) -> int:
    return sum(1 for s in states if s in FIREABLE)


def _rounds(states: Iterable[RoundState]) -> int:
    return sum(1 for s in states if s not in (RoundState.EMPTY, RoundState.SPENT))


def chamber_as_recorded(build: Build, st: ActionState) -> RoundState:
    """What the chamber holds as far as the record can say.

    A closed-bolt self-loader that fired since its last inspection fed itself
    the next round: with a round that can go off still in the magazine, its
    chamber counts as holding one though no position says so.
    """
    chamber = st.held(CHAMBER)
    if (
        build.closed_bolt_self_loader
        and st.cycled
        and chamber in (RoundState.EMPTY, RoundState.SPENT)
        and _fireable(st.feed())
    ):
        return RoundState.UNKNOWN
    return chamber


def _revolver_hazards(build: Build, st: ActionState) -> list[Hazard]:
    under = st.held(st.hammer_over) if st.hammer_over is not None else None
    if can_fire_without_trigger(build.action, build.transfer_bar, st.hammer, under):
        return [
            Hazard(
                HazardKind.STRUCK_HAMMER,
                f"The hammer rests on a loaded {st.hammer_over}: a blow to the hammer fires it.",
            )
        ]
    return []


def _closed_bolt_hazards(build: Build, st: ActionState) -> list[Hazard]:
    out: list[Hazard] = []
    chamber = chamber_as_recorded(build, st)
    if chamber is not st.held(CHAMBER):
        out.append(
            Hazard(
                HazardKind.UNSEEN_CHAMBER,
                "It fired since its last inspection and loads itself: the next round is "
                "probably in the chamber though the record shows it in the magazine — "
                "inspect it before anything else.",
            )
        )
    if chamber not in FIREABLE:
        return out
    cocked = st.hammer is not HammerPosition.DOWN or st.cycled
    if cocked:
        known = st.hammer is HammerPosition.FULL_COCK or st.cycled
        seen = "" if known else " (not recorded as down)"
        out.append(
            Hazard(
                HazardKind.COCKED,
                f"A round is chambered and the hammer is cocked{seen}: a light touch of "
                "the trigger fires it.",
            )
        )
    if not build.drop_safety:
        how = "a drop or a jar" if cocked else "a blow to the hammer or a drop"
        out.append(
            Hazard(
                HazardKind.DROP,
                f"A round is chambered and no drop safety (firing-pin block) is recorded: "
                f"{how} can fire it without a trigger pull.",
            )
        )
    elif not cocked:
        out.append(
            Hazard(
                HazardKind.COCKED,
                "A round is chambered with the hammer down: a long, heavy trigger pull fires it.",
            )
        )
    return out


def _open_bolt_hazards(st: ActionState) -> list[Hazard]:
    if st.held(CHAMBER) in FIREABLE:
        return [
            Hazard(
                HazardKind.BOLT_BACK,
                "An open-bolt weapon holds a round in its chamber: its fixed firing pin "
                "fires it when the bolt moves — no trigger pull needed.",
            )
        ]
    if not _fireable(st.feed()):
        return []
    if st.bolt is BoltPosition.FORWARD:
        return [
            Hazard(
                HazardKind.COCKED,
                "The bolt is forward on an empty chamber with a loaded magazine: pulling "
                "the bolt back makes it ready to fire, and then a jar can fire it.",
            )
        ]
    seen = "" if st.bolt is BoltPosition.BACK else " (not recorded as forward)"
    return [
        Hazard(
            HazardKind.BOLT_BACK,
            f"The bolt is back{seen} on a loaded magazine: releasing or jarring the bolt "
            "fires it — no trigger pull needed.",
        )
    ]


def _slam_fire_hazards(st: ActionState) -> list[Hazard]:
    if not _fireable(st.contents.values()):
        return []
    return [
        Hazard(
            HazardKind.SLAM_FIRE,
            "It slam-fires: with the trigger held it fires each time the slide closes — "
            "working the slide with a finger on the trigger fires round after round.",
        )
    ]


def _plus_one(build: Build, st: ActionState) -> list[Hazard]:
    if build.action not in _MAGAZINE | _TUBE or st.held(CHAMBER) in (
        RoundState.EMPTY,
        RoundState.SPENT,
    ):
        return []
    fed = _rounds(st.feed())
    if not fed:
        return []
    where = "tube" if build.action in _TUBE else "magazine"
    return [
        Hazard(
            HazardKind.PLUS_ONE,
            f"{fed + 1} rounds: {fed} in the {where} and one in the chamber — one more "
            f"than the {where} holds.",
        )
    ]


def _adapter_hazards(build: Build, st: ActionState) -> list[Hazard]:
    if not build.blank_adapted or st.adapter_fitted is True:
        return []
    blanks = any(s is RoundState.BLANK for s in st.contents.values())
    state = "is not fitted" if st.adapter_fitted is False else "is not recorded as fitted"
    if blanks:
        words = (
            f"Blanks are loaded and the blank-firing adapter {state}: the blast and wad "
            "leave the muzzle unrestricted and the action will not cycle."
        )
    else:
        words = f"The blank-firing adapter {state}: fit it, and record it, before loading blanks."
    return [Hazard(HazardKind.NO_ADAPTER, words)]


def recorded_hazards(build: Build, st: ActionState) -> tuple[Hazard, ...]:
    """Every hazard of this weapon as recorded now, in plain words (R25).

    Choices: a hammer or bolt the record does not place counts as the dangerous
    position (cocked, back); a weapon not recorded as having a drop safety has
    none; a slam-fire pump counts as firing without a trigger pull (working the
    slide fires it, with no separate pull for each shot).
    """
    out = _revolver_hazards(build, st)
    if build.closed_bolt_self_loader:
        out += _closed_bolt_hazards(build, st)
    if build.open_bolt and build.action in OPEN_BOLT_ACTIONS:
        out += _open_bolt_hazards(st)
    if build.slam_fire and build.action in SLAM_FIRE_ACTIONS:
        out += _slam_fire_hazards(st)
    out += _plus_one(build, st)
    out += _adapter_hazards(build, st)
    return tuple(out)


def fires_without_trigger(build: Build, st: ActionState) -> bool:
    """Can this weapon, as recorded, fire with no trigger pull? (R25, every build)."""
    return any(h.without_trigger for h in recorded_hazards(build, st))
