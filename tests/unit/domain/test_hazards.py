"""R25, the wider hazard model (issue 18 part 6): what makes a weapon fire without a trigger
pull, or hold one round more than a magazine does, and the rules that keep it from a performer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.codec import event_from_envelope, event_payload
from coldcheck.domain.errors import Refusal
from coldcheck.domain.ids import ContainerId, LotId, SceneId, WeaponId
from coldcheck.domain.mechanics import (
    ActionState,
    ActionType,
    BoltPosition,
    Build,
    HammerPosition,
    HazardKind,
    RoundState,
    fires_without_trigger,
    recorded_hazards,
)
from coldcheck.domain.model import (
    BlankLoad,
    PositionLoad,
    RoundCheck,
    RoundClass,
    TakeContext,
    WeaponKind,
)
from coldcheck.domain.state import replay
from coldcheck.domain.status import weapon_status
from coldcheck.service.words import describe
from tests.factories import (
    C_BLANKS,
    DANA,
    DAY,
    JACK,
    L1,
    MARA,
    PROD,
    ROSA,
    SAM,
    W1,
    W4,
    Shoot,
    dry_gulch,
)

GLOCK, COLT_1911, STEN, M1897, BERETTA = (WeaponId(f"W-00{i}") for i in (10, 11, 12, 13, 14))
NINE_BLANKS, NINE_DUMMIES, GAUGE_BLANKS = LotId("L-0011"), LotId("L-0012"), LotId("L-0013")
C_NINE, C_NINE_DUMMIES, C_GAUGE = (ContainerId(f"C-001{i}") for i in (1, 2, 3))
FIRING, CLOSE_UP = SceneId("50"), SceneId("51")

BUILDS: dict[WeaponId, dict[str, Any]] = {
    GLOCK: dict(
        name="Glock 17",
        serial="GL-17",
        calibre="9 mm",
        kind=WeaponKind.FIREARM,
        action=ActionType.SEMI_AUTO_PISTOL,
        capacity=17,
        drop_safety=True,
    ),
    COLT_1911: dict(
        name="Colt 1911 Series 70",
        serial="C70-1",
        calibre="9 mm",
        kind=WeaponKind.FIREARM,
        action=ActionType.SEMI_AUTO_PISTOL,
        capacity=9,
    ),
    STEN: dict(
        name="Sten blank-firing conversion",
        serial="STEN-9",
        calibre="9 mm",
        kind=WeaponKind.BLANK_ADAPTED,
        action=ActionType.SEMI_AUTO_RIFLE,
        capacity=32,
        open_bolt=True,
    ),
    M1897: dict(
        name="Winchester 1897",
        serial="W97-12",
        calibre="12 gauge",
        kind=WeaponKind.FIREARM,
        action=ActionType.PUMP,
        capacity=5,
        slam_fire=True,
    ),
    BERETTA: dict(
        name="Beretta 92FS",
        serial="92FS-1",
        calibre="9 mm",
        kind=WeaponKind.FIREARM,
        action=ActionType.SEMI_AUTO_PISTOL,
        capacity=15,
        drop_safety=True,
        decocker=True,
    ),
}


def _lot(s: Shoot, lot: LotId, box: ContainerId, cls: RoundClass, calibre: str) -> None:
    s.do(c.CreateContainer, MARA, container=box, label=f"{calibre} {cls.value}")
    s.do(
        c.ReceiveLot,
        MARA,
        lot=lot,
        round_class=cls,
        blank_load=BlankLoad.HALF if cls is RoundClass.BLANK else None,
        calibre=calibre,
        supplier="Rental House",
        count=60,
        container=box,
    )


def armory() -> Shoot:
    """Dry Gulch with a pistol of each build, an open-bolt gun, a slam-fire pump, their lots,
    a scene that fires all of them (with its meeting) and a close-up that fires none."""
    s = dry_gulch()
    for tag, spec in BUILDS.items():
        s.do(c.RegisterWeapon, MARA, weapon=tag, make="x", model="x", owner="Rental House", **spec)
    for performer in (JACK, ROSA, SAM):
        for action in (ActionType.SEMI_AUTO_RIFLE, ActionType.PUMP):
            s.do(c.RecordTraining, MARA, person=performer, action=action)
    _lot(s, NINE_BLANKS, C_NINE, RoundClass.BLANK, "9 mm")
    _lot(s, NINE_DUMMIES, C_NINE_DUMMIES, RoundClass.DUMMY, "9 mm")
    s.do(
        c.VerifyDummies,
        MARA,
        lot=NINE_DUMMIES,
        method="rattle, no primer, holed case",
        rounds=tuple(RoundCheck(n, True) for n in range(1, 61)),
    )
    _lot(s, GAUGE_BLANKS, C_GAUGE, RoundClass.BLANK, "12 gauge")
    everything = (W4, *BUILDS)
    for scene, fires in ((FIRING, True), (CLOSE_UP, False)):
        s.do(
            c.PlanScene,
            DANA,
            confirm=(MARA,),
            scene=scene,
            day=DAY,
            title="bank job" if fires else "close-up on the table",
            weapons=everything,
            performers=(JACK,),
            fires_blanks=fires,
            closest_distance_ft=30,
        )
    s.do(c.HoldSafetyMeeting, DANA, meeting="M-50", day=DAY, scenes=(FIRING,), attendees=(JACK,))
    return s


def load(s: Shoot, weapon: WeaponId, positions: list[str], **extra: Any) -> Any:
    """Load blanks (or ``lot``) for the firing scene, the take in ten minutes."""
    lot = extra.pop("lot", GAUGE_BLANKS if weapon == M1897 else NINE_BLANKS)
    box = {NINE_BLANKS: C_NINE, NINE_DUMMIES: C_NINE_DUMMIES, GAUGE_BLANKS: C_GAUGE}[lot]
    blanks = lot != NINE_DUMMIES
    return s.try_(
        c.LoadWeapon,
        MARA,
        weapon=weapon,
        container=box,
        loads=tuple(PositionLoad(p, lot) for p in positions),
        scene=FIRING if blanks else None,
        take_at=s.now + timedelta(minutes=10) if blanks else None,
        **extra,
    )


def hand(s: Shoot, weapon: WeaponId, scene: SceneId | None = FIRING) -> Any:
    context = TakeContext(scene=scene, take=1, rehearsal=False) if scene else None
    return s.try_(c.HandOver, MARA, confirm=(JACK, DANA), weapon=weapon, to=JACK, context=context)


def mags(n: int) -> list[str]:
    return [f"magazine {i}" for i in range(1, n + 1)]


def kinds(s: Shoot, weapon: WeaponId) -> set[HazardKind]:
    ws = s.state.weapons[weapon]
    return {h.kind for h in recorded_hazards(ws.weapon.build, ws.action_state)}


def refused_by(result: Any) -> tuple[str, ...]:
    assert isinstance(result, Refusal), f"accepted: {result}"
    return result.rules


# -- closed-bolt semi-automatics -----------------------------------------------------------


def test_chambering_a_semi_automatic_without_saying_where_the_hammer_is_is_refused_R25():
    s = armory()
    s.take_out_and_inspect(GLOCK)
    refusal = load(s, GLOCK, [*mags(3), "chamber"])
    assert refused_by(refusal) == ("R25",)
    assert "cocked or down" in refusal.reasons[0].message


def test_a_semi_automatic_loaded_with_its_chamber_empty_needs_no_hammer_R25():
    s = armory()
    s.take_out_and_inspect(GLOCK)
    assert isinstance(load(s, GLOCK, mags(3)), list)
    assert not weapon_status(s.state, GLOCK).can_fire_without_trigger


def test_a_striker_pistol_cannot_be_recorded_decocked_on_a_chambered_round_R25():
    s = armory()
    s.take_out_and_inspect(GLOCK)
    refusal = load(s, GLOCK, ["chamber"], hammer=HammerPosition.DOWN)
    assert refused_by(refusal) == ("R25",)
    assert "no decocker" in refusal.reasons[0].message


def test_a_cocked_pistol_with_a_drop_safety_needs_its_trigger_and_the_page_says_how_little_R25():
    s = armory()
    s.take_out_and_inspect(GLOCK)
    assert isinstance(load(s, GLOCK, ["chamber"], hammer=HammerPosition.FULL_COCK), list)
    status = weapon_status(s.state, GLOCK)
    assert not status.can_fire_without_trigger
    assert status.hazards[0] == (
        "A round is chambered and the hammer is cocked: a light touch of the trigger fires it."
    )


def test_a_chambered_pistol_without_a_drop_safety_can_fire_without_a_trigger_pull_R25():
    s = armory()
    s.take_out_and_inspect(COLT_1911)
    assert isinstance(load(s, COLT_1911, ["chamber"], hammer=HammerPosition.FULL_COCK), list)
    status = weapon_status(s.state, COLT_1911)
    assert status.can_fire_without_trigger
    assert any("a drop or a jar can fire it" in w for w in status.fire_words)


def test_a_decocked_pistol_with_a_drop_safety_cannot_fire_without_a_trigger_pull_R25():
    s = armory()
    s.take_out_and_inspect(BERETTA)
    assert isinstance(load(s, BERETTA, ["chamber"], hammer=HammerPosition.DOWN), list)
    status = weapon_status(s.state, BERETTA)
    assert not status.can_fire_without_trigger
    assert "long, heavy trigger pull" in status.hazards[0]


def test_a_full_magazine_and_a_chambered_round_are_capacity_plus_one_on_the_record_R25():
    s = armory()
    s.take_out_and_inspect(GLOCK)
    load(s, GLOCK, [*mags(17), "chamber"], hammer=HammerPosition.FULL_COCK)
    ws = s.state.weapons[GLOCK]
    assert len(ws.holds(RoundState.BLANK)) == 18 == ws.weapon.capacity + 1
    assert s.state.lots[NINE_BLANKS].in_weapons == 18
    assert (
        "18 rounds: 17 in the magazine and one in the chamber — one more than the magazine holds."
        in weapon_status(s.state, GLOCK).hazards
    )


def test_a_pistol_that_fires_without_a_trigger_goes_to_a_performer_only_for_its_scene_R25():
    s = armory()
    s.take_out_and_inspect(COLT_1911)
    load(s, COLT_1911, [*mags(3), "chamber"], hammer=HammerPosition.FULL_COCK)
    refusal = hand(s, COLT_1911, scene=None)
    assert refused_by(refusal) == ("R25",)
    assert "unload the chamber" in refusal.reasons[0].message
    assert refused_by(hand(s, COLT_1911, scene=CLOSE_UP)) == ("R25",)
    assert isinstance(hand(s, COLT_1911, scene=FIRING), list)


def test_a_chambered_dummy_is_handed_over_for_a_close_up_R25():
    s = armory()
    s.take_out_and_inspect(COLT_1911)
    load(s, COLT_1911, ["chamber"], lot=NINE_DUMMIES, hammer=HammerPosition.FULL_COCK)
    assert not weapon_status(s.state, COLT_1911).can_fire_without_trigger
    assert isinstance(hand(s, COLT_1911, scene=CLOSE_UP), list)


def test_a_semi_automatic_that_fired_may_hold_a_round_the_record_shows_in_its_magazine_R25():
    s = armory()
    s.take_out_and_inspect(COLT_1911)
    load(s, COLT_1911, [*mags(3), "chamber"], hammer=HammerPosition.FULL_COCK)
    s.do(c.RecordFiring, MARA, weapon=COLT_1911, positions=("chamber",))
    assert HazardKind.UNSEEN_CHAMBER in kinds(s, COLT_1911)
    assert weapon_status(s.state, COLT_1911).can_fire_without_trigger
    refusal = hand(s, COLT_1911, scene=FIRING)
    assert "R25" in refused_by(refusal)  # besides R10/R15: a spent case, a bore check due
    assert any("the next round may be in the chamber" in r.message for r in refusal.reasons)


def test_a_fired_semi_automatic_is_inspected_before_it_goes_out_again_R25():
    s = armory()
    s.take_out_and_inspect(GLOCK)
    load(s, GLOCK, [*mags(3), "chamber"], hammer=HammerPosition.FULL_COCK)
    s.do(c.RecordFiring, MARA, weapon=GLOCK, positions=("chamber",))
    s.do(c.UnloadWeapon, MARA, weapon=GLOCK, positions=("chamber",), container=C_NINE)
    s.do(c.CheckBore, MARA, weapon=GLOCK, bore="clear")
    refusal = hand(s, GLOCK, scene=FIRING)
    assert refused_by(refusal) == ("R25",)
    assert isinstance(s.inspect(GLOCK), list)
    assert isinstance(hand(s, GLOCK, scene=FIRING), list)


# -- open bolt -------------------------------------------------------------------------------


def fitted(s: Shoot, weapon: WeaponId, **extra: Any) -> None:
    """Take out and inspect with the blank-firing adapter fitted."""
    s.do(c.TakeOutOfStorage, MARA, weapon=weapon)
    assert isinstance(s.inspect(weapon, adapter_fitted=True, **extra), list)


def test_an_open_bolt_weapon_never_has_its_chamber_loaded_R25():
    s = armory()
    fitted(s, STEN)
    refusal = load(s, STEN, ["chamber"], bolt=BoltPosition.FORWARD)
    assert refused_by(refusal) == ("R25",)
    assert "load the magazine only" in refusal.reasons[0].message


def test_loading_an_open_bolt_weapon_says_where_its_bolt_is_R25():
    s = armory()
    fitted(s, STEN)
    assert refused_by(load(s, STEN, mags(5))) == ("R25",)
    assert isinstance(load(s, STEN, mags(5), bolt=BoltPosition.FORWARD), list)


def test_an_open_bolt_back_on_a_loaded_magazine_fires_without_a_trigger_pull_R25():
    s = armory()
    fitted(s, STEN)
    load(s, STEN, mags(5), bolt=BoltPosition.BACK)
    status = weapon_status(s.state, STEN)
    assert status.can_fire_without_trigger
    assert status.fire_words == (
        "The bolt is back on a loaded magazine: releasing or jarring the bolt fires it — "
        "no trigger pull needed.",
    )
    refusal = hand(s, STEN, scene=None)
    assert refused_by(refusal) == ("R25",)
    assert "ease the bolt forward" in refusal.reasons[0].message
    assert isinstance(hand(s, STEN, scene=FIRING), list)


def test_an_open_bolt_forward_on_an_empty_chamber_is_handed_over_without_a_scene_R25():
    s = armory()
    fitted(s, STEN)
    load(s, STEN, mags(5), bolt=BoltPosition.FORWARD)
    assert not weapon_status(s.state, STEN).can_fire_without_trigger
    assert isinstance(hand(s, STEN, scene=None), list)


def test_firing_an_open_bolt_weapon_leaves_its_bolt_back_R25():
    s = armory()
    fitted(s, STEN)
    load(s, STEN, mags(5), bolt=BoltPosition.FORWARD)
    s.do(c.RecordFiring, MARA, weapon=STEN, positions=("magazine 1",))
    assert s.state.weapons[STEN].bolt is BoltPosition.BACK
    assert weapon_status(s.state, STEN).can_fire_without_trigger


def test_an_inspection_records_an_open_bolt_and_nothing_else_takes_one_R25():
    s = armory()
    fitted(s, STEN, bolt=BoltPosition.FORWARD)
    assert s.state.weapons[STEN].bolt is BoltPosition.FORWARD
    s.take_out_and_inspect(GLOCK)
    assert refused_by(s.inspect(GLOCK, bolt=BoltPosition.BACK)) == ("INPUT",)
    assert refused_by(load(s, GLOCK, mags(2), bolt=BoltPosition.BACK)) == ("INPUT",)


# -- slam-fire pump ----------------------------------------------------------------------------


def test_a_slam_fire_pump_with_blanks_in_its_tube_fires_as_its_slide_closes_R25():
    s = armory()
    s.take_out_and_inspect(M1897)
    load(s, M1897, ["tube 1", "tube 2"])
    status = weapon_status(s.state, M1897)
    assert status.can_fire_without_trigger
    assert "fires each time the slide closes" in status.fire_words[0]
    refusal = hand(s, M1897, scene=None)
    assert refused_by(refusal) == ("R25",)
    assert "unload the tube and the chamber" in refusal.reasons[0].message
    assert isinstance(hand(s, M1897, scene=FIRING), list)


def test_an_empty_slam_fire_pump_is_no_hazard_R25():
    s = armory()
    s.take_out_and_inspect(M1897)
    assert HazardKind.SLAM_FIRE not in kinds(s, M1897)
    assert isinstance(hand(s, M1897, scene=None), list)


# -- blank-firing adapters ----------------------------------------------------------------------


def test_blanks_go_into_a_blank_adapted_weapon_only_with_its_adapter_recorded_fitted_R25():
    s = armory()
    s.take_out_and_inspect(W4)
    refusal = load(s, W4, mags(3))
    assert refused_by(refusal) == ("R25",)
    assert "not recorded as fitted" in refusal.reasons[0].message
    assert isinstance(s.inspect(W4, adapter_fitted=False), list)
    assert "adapter is off" in load(s, W4, mags(3)).reasons[0].message
    assert isinstance(s.inspect(W4, adapter_fitted=True), list)
    assert isinstance(load(s, W4, mags(3)), list)


def test_dummies_go_into_a_blank_adapted_weapon_without_its_adapter_R25():
    s = armory()
    s.take_out_and_inspect(W4)
    assert isinstance(load(s, W4, mags(3), lot=NINE_DUMMIES), list)


def test_a_blank_adapted_weapon_found_without_its_adapter_on_blanks_stays_with_the_armorer_R25():
    s = armory()
    fitted(s, W4)
    load(s, W4, mags(3))
    assert isinstance(s.inspect(W4, adapter_fitted=False), list)
    status = weapon_status(s.state, W4)
    assert status.hazards[0].startswith(
        "Blanks are loaded and the blank-firing adapter is not fitted"
    )
    assert "blank-firing adapter off" in status.build_words
    refusal = hand(s, W4, scene=FIRING)
    assert refused_by(refusal) == ("R25",)
    assert "fit it and record it" in refusal.reasons[0].message


def test_only_a_blank_adapted_weapon_records_an_adapter_R25():
    s = armory()
    s.take_out_and_inspect(GLOCK)
    assert refused_by(s.inspect(GLOCK, adapter_fitted=True)) == ("INPUT",)


# -- the single-action revolver at the handoff -------------------------------------------------


def test_a_revolver_found_with_its_hammer_on_a_loaded_chamber_never_goes_to_a_performer_R25():
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1", "chamber 2"], hammer_over="chamber 6")
    inspected = s.inspect(W1, hammer=HammerPosition.DOWN, hammer_over="chamber 1")
    assert isinstance(inspected, list)
    ctx = TakeContext(scene=SceneId("41"))
    refusal = s.try_(c.HandOver, MARA, confirm=(JACK, DANA), weapon=W1, to=JACK, context=ctx)
    assert refused_by(refusal) == ("R25",)
    assert "turn the cylinder" in refusal.reasons[0].message


# -- registration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "flags", "words"),
    [
        (ActionType.SINGLE_ACTION_REVOLVER, {"open_bolt": True}, "open bolt"),
        (ActionType.LEVER, {"slam_fire": True}, "slam-fire"),
        (ActionType.PUMP, {"drop_safety": True}, "drop safety"),
        (ActionType.SEMI_AUTO_RIFLE, {"open_bolt": True, "decocker": True}, "open-bolt"),
    ],
)
def test_a_mechanism_the_action_cannot_have_is_refused_at_registration(action, flags, words):
    s = dry_gulch()
    refusal = s.refused(
        c.RegisterWeapon,
        MARA,
        weapon="W-0020",
        name="x",
        make="x",
        model="x",
        serial="X-20",
        calibre="9 mm",
        owner="x",
        kind=WeaponKind.FIREARM,
        action=action,
        capacity=5,
        **flags,
    )
    assert refusal.rules == ("INPUT",)
    assert words in refusal.reasons[0].message


def test_a_registered_mechanism_is_on_the_record_and_replays():
    s = armory()
    sten, glock = s.state.weapons[STEN].weapon, s.state.weapons[GLOCK].weapon
    assert sten.build == Build(ActionType.SEMI_AUTO_RIFLE, open_bolt=True, blank_adapted=True)
    assert glock.drop_safety and not glock.decocker
    assert replay(PROD, s.log) == s.state
    status = weapon_status(s.state, STEN)
    assert status.build_words == ("open bolt", "blank-firing adapter not recorded")


# -- old events ---------------------------------------------------------------------------------

ENVELOPE = {"by": "mara", "production": "dry-gulch", "at": "2026-03-14T12:00:00+00:00"}


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_registration_upcasts_to_no_recorded_mechanism(version):
    payload = {
        "weapon": "W-0004",
        "name": "Beretta 92",
        "make": "Beretta",
        "model": "92FS",
        "serial": "BER-9",
        "calibre": "9 mm",
        "owner": "Rental House",
        "kind": "blank_adapted",
        "action": "semi_auto_pistol",
        "capacity": 15,
        "transfer_bar": False,
        "select_fire": False,
    }
    if version == 2:  # the bound book's fields (issue 18)
        payload |= {"importer": "", "country": "", "firearm_type": "", "acquisition": None}
    e = event_from_envelope("WeaponRegistered", version, witnesses=[], payload=payload, **ENVELOPE)
    assert isinstance(e, ev.WeaponRegistered) and ev.WeaponRegistered.version == 3
    assert (e.open_bolt, e.slam_fire, e.drop_safety, e.decocker) == (False,) * 4
    assert event_payload(e) == {
        "importer": "",
        "country": "",
        "firearm_type": "",
        "acquisition": None,
        **payload,
        "open_bolt": False,
        "slam_fire": False,
        "drop_safety": False,
        "decocker": False,
    }


def test_a_v1_inspection_recorded_no_bolt_and_no_adapter():
    payload = {
        "weapon": "W-0004",
        "findings": [{"position": "chamber", "found": "empty"}],
        "bore": "clear",
        "checklist": [],
        "hammer": None,
        "hammer_over": None,
    }
    e = event_from_envelope("InspectionRecorded", 1, witnesses=[], payload=payload, **ENVELOPE)
    assert isinstance(e, ev.InspectionRecorded) and ev.InspectionRecorded.version == 2
    assert (e.bolt, e.adapter_fitted) == (None, None)


@pytest.mark.parametrize("version", [1, 2])
def test_an_old_load_recorded_no_semi_automatic_hammer_and_no_bolt(version):
    payload: dict[str, Any] = {
        "weapon": "W-0001",
        "container": "C-0001",
        "loads": [{"position": "chamber 1", "lot": "L-0001"}],
        "scene": "41",
        "take_at": None,
        "hammer_over": "chamber 6",
        "announce": True,
    }
    if version == 2:
        payload |= {"context": None, "meeting": None}
    e = event_from_envelope("WeaponLoaded", version, witnesses=[], payload=payload, **ENVELOPE)
    assert isinstance(e, ev.WeaponLoaded) and ev.WeaponLoaded.version == 3
    assert (e.hammer, e.bolt, e.hammer_over) == (None, None, "chamber 6")


def test_a_load_and_an_inspection_round_trip_with_the_hammer_bolt_and_adapter():
    s = armory()
    fitted(s, STEN, bolt=BoltPosition.FORWARD)
    load(s, STEN, mags(2), bolt=BoltPosition.BACK)
    inspection, loaded = s.log[-2], s.log[-1]
    for e in (inspection, loaded):
        back = event_from_envelope(
            e.type_name,
            e.version,
            e.production,
            e.at.isoformat(),
            e.by,
            list(e.witnesses),
            event_payload(e),
        )
        assert back == e
    assert isinstance(loaded, ev.WeaponLoaded) and loaded.bolt is BoltPosition.BACK


# -- the pure model -----------------------------------------------------------------------------

SEMI = ActionType.SEMI_AUTO_PISTOL
B, E, D = RoundState.BLANK, RoundState.EMPTY, RoundState.DUMMY


def st(chamber: RoundState = E, feed: tuple[RoundState, ...] = (), **extra: Any) -> ActionState:
    contents = {f"magazine {i}": r for i, r in enumerate(feed, 1)} | {"chamber": chamber}
    return ActionState(contents=contents, **extra)


@pytest.mark.parametrize(
    ("build", "state", "fires"),
    [
        (Build(SEMI), st(B, hammer=HammerPosition.FULL_COCK), True),
        (Build(SEMI), st(B, hammer=HammerPosition.DOWN), True),
        (Build(SEMI, drop_safety=True), st(B, hammer=HammerPosition.FULL_COCK), False),
        (Build(SEMI, drop_safety=True), st(B), False),
        (Build(SEMI), st(D, hammer=HammerPosition.FULL_COCK), False),
        (Build(SEMI), st(E, (B, B)), False),
        (Build(SEMI), st(E, (B,), cycled=True), True),
        (Build(SEMI, drop_safety=True), st(E, (B,), cycled=True), False),
        (Build(SEMI, open_bolt=True), st(E, (B,)), True),
        (Build(SEMI, open_bolt=True), st(E, (B,), bolt=BoltPosition.FORWARD), False),
        (Build(SEMI, open_bolt=True), st(E, (D,), bolt=BoltPosition.BACK), False),
        (Build(ActionType.PUMP, slam_fire=True), st(E, (B,)), True),
        (Build(ActionType.PUMP), st(E, (B,)), False),
        (Build(ActionType.LEVER, slam_fire=True), st(E, (B,)), False),
        (Build(SEMI, blank_adapted=True, drop_safety=True), st(E, (B,)), False),
    ],
)
def test_what_can_fire_without_a_trigger_pull_as_recorded_R25(build, state, fires):
    assert fires_without_trigger(build, state) is fires


def test_an_unrecorded_hammer_on_a_chambered_round_counts_as_cocked_R25():
    words = [h.words for h in recorded_hazards(Build(SEMI, drop_safety=True), st(B))]
    assert words == [
        "A round is chambered and the hammer is cocked (not recorded as down): a light touch "
        "of the trigger fires it."
    ]


def test_a_blank_adapted_weapon_without_its_adapter_names_it_R25():
    build = Build(SEMI, blank_adapted=True, drop_safety=True)
    (hazard,) = recorded_hazards(build, st(E, (B,), adapter_fitted=False))
    assert hazard.kind is HazardKind.NO_ADAPTER and not hazard.without_trigger
    assert recorded_hazards(build, st(E, (B,), adapter_fitted=True)) == ()


def test_the_blanks_of_the_firing_scene_are_no_hazard_to_the_factory_revolver():
    """The wider model leaves Dry Gulch's own day as it was: W-0001 on blanks, hammer on empty."""
    s = dry_gulch()
    s.take_out_and_inspect(W1)
    s.load_blanks(W1, ["chamber 1"], lot=L1, container=C_BLANKS)
    assert kinds(s, W1) == set()


def test_the_timeline_says_where_a_load_left_the_bolt_and_what_an_inspection_found_R25():
    s = armory()
    fitted(s, STEN, bolt=BoltPosition.FORWARD)
    before_load = s.state
    load(s, STEN, mags(2), bolt=BoltPosition.BACK)
    inspection, loaded = s.log[-2], s.log[-1]
    assert describe(inspection, s.state).endswith("; bolt forward; blank-firing adapter fitted")
    assert describe(loaded, before_load) == (
        "W-0012 loaded with 2 blank(s) from L-0011 for scene 50 (magazine 1, magazine 2); "
        "bolt back, authorised by safety meeting M-50"
    )
