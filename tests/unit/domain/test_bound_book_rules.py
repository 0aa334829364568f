"""Issue 18, the bound book: a weapon's acquisition and disposition on its entries, bounded
and checked; entries recorded before upcast with none recorded."""

from __future__ import annotations

from datetime import date

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.codec import event_from_envelope, event_payload
from coldcheck.domain.ids import WeaponId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import (
    Acquisition,
    DispositionKind,
    PermitKind,
    WeaponDisposition,
    WeaponKind,
)
from tests.factories import DAY, MARA, TOM, W1, W2, dry_gulch

ENVELOPE = {"by": "mara", "production": "dry-gulch", "at": "2026-03-14T18:00:00+00:00"}
W9 = WeaponId("W-0009")
HOUSE = Acquisition(
    name="Hollywood Gun Rentals",
    address="1 Prop Row, Burbank CA",
    licence="9-95-037-01-2A-12345",
    reference="RA-2026-118",
    received=date(2026, 3, 10),
)
SPEC = dict(
    name="Glock 17",
    make="Glock",
    model="17",
    serial="GL-17-0001",
    calibre="9mm",
    owner="Hollywood Gun Rentals",
    kind=WeaponKind.BLANK_ADAPTED,
    action=ActionType.SEMI_AUTO_PISTOL,
    capacity=17,
)

OLD_REGISTERED = {
    "weapon": "W-0009",
    "name": "Colt SAA",
    "make": "Colt",
    "model": "SAA",
    "serial": "SAA-9",
    "calibre": ".45 Colt",
    "owner": "Rental House",
    "kind": "firearm",
    "action": "single_action_revolver",
    "capacity": 6,
    "transfer_bar": False,
    "select_fire": False,
}


def test_an_old_registration_upcasts_with_no_importer_country_type_or_acquisition():
    e = event_from_envelope("WeaponRegistered", 1, witnesses=[], payload=OLD_REGISTERED, **ENVELOPE)
    assert isinstance(e, ev.WeaponRegistered) and e.version == 3  # v3: R25's mechanism
    assert (e.importer, e.country, e.firearm_type, e.acquisition) == ("", "", "", None)
    again = event_payload(e)
    assert again["acquisition"] is None
    assert event_from_envelope("WeaponRegistered", 3, witnesses=[], payload=again, **ENVELOPE) == e


def test_an_old_retirement_upcasts_with_no_disposition():
    e = event_from_envelope(
        "WeaponRetired", 1, witnesses=[], payload={"weapon": "W-0001"}, **ENVELOPE
    )
    assert isinstance(e, ev.WeaponRetired) and e.disposition is None
    assert event_payload(e) == {"weapon": "W-0001", "disposition": None}


def test_a_registration_carries_the_acquisition_and_the_description_a_bound_book_needs():
    s = dry_gulch(with_scene=False)
    (e,) = s.do(
        c.RegisterWeapon,
        MARA,
        weapon=W9,
        importer="Glock Inc., Smyrna GA",
        country="Austria",
        firearm_type="Pistol",
        acquisition=HOUSE,
        **SPEC,
    )
    assert isinstance(e, ev.WeaponRegistered) and e.acquisition == HOUSE
    w = s.state.weapons[W9].weapon
    assert (w.importer, w.country, w.firearm_type, w.acquisition) == (
        "Glock Inc., Smyrna GA",
        "Austria",
        "Pistol",
        HOUSE,
    )
    # and the stored form reads back to the same event
    payload = event_payload(e)
    assert payload["acquisition"]["licence"] == "9-95-037-01-2A-12345"  # type: ignore[index]
    assert (
        event_from_envelope(
            "WeaponRegistered",
            2,
            production=e.production,
            at=e.at.isoformat(),
            by=e.by,
            witnesses=[],
            payload=payload,
        )
        == e
    )


def test_a_weapon_received_in_the_future_or_before_1900_is_refused():
    s = dry_gulch(with_scene=False)
    later = Acquisition(name="House", received=date(2026, 4, 1))
    refusal = s.refused(c.RegisterWeapon, MARA, weapon=W9, acquisition=later, **SPEC)
    assert "is in the future" in str(refusal)
    typo = Acquisition(name="House", received=date(1026, 3, 1))
    assert "before 1900" in str(
        s.refused(c.RegisterWeapon, MARA, weapon=W9, acquisition=typo, **SPEC)
    )


def test_every_acquisition_text_is_bounded_and_one_line():
    s = dry_gulch(with_scene=False)
    long = Acquisition(name="H" * 201)
    assert "name is 201 characters long" in str(
        s.refused(c.RegisterWeapon, MARA, weapon=W9, acquisition=long, **SPEC)
    )
    two_lines = Acquisition(name="House", address="1 Prop Row\nBurbank")
    assert "address must be one line" in str(
        s.refused(c.RegisterWeapon, MARA, weapon=W9, acquisition=two_lines, **SPEC)
    )
    assert "country is 201 characters" in str(
        s.refused(c.RegisterWeapon, MARA, weapon=W9, country="A" * 201, **SPEC)
    )


def test_a_returned_weapon_goes_back_to_the_house_it_came_from_on_the_day():
    s = dry_gulch(with_scene=False)
    s.do(c.RegisterWeapon, MARA, weapon=W9, acquisition=HOUSE, **SPEC)
    (e,) = s.do(c.RetireWeapon, MARA, weapon=W9, reference="return slip 7")
    assert isinstance(e, ev.WeaponRetired)
    assert e.disposition == WeaponDisposition(
        how=DispositionKind.RETURNED,
        on=s.state.local_day(e.at),
        name="Hollywood Gun Rentals",
        reference="return slip 7",
    )
    assert s.state.weapons[W9].retired and s.state.weapons[W9].disposition == e.disposition


def test_a_weapon_registered_before_acquisitions_returns_to_its_owner():
    s = dry_gulch(with_scene=False)
    (e,) = s.do(c.RetireWeapon, MARA, weapon=W2)
    assert isinstance(e, ev.WeaponRetired) and e.disposition is not None
    assert e.disposition.name == "Rental House"


def test_a_transfer_names_the_transferee_and_their_address_or_licence():
    s = dry_gulch(with_scene=False)
    refusal = s.refused(c.RetireWeapon, MARA, weapon=W1, how=DispositionKind.TRANSFERRED)
    assert "say to whom W-0001 is transferred" in str(refusal)
    assert "address, or their licence" in str(refusal)
    (e,) = s.do(
        c.RetireWeapon,
        MARA,
        weapon=W1,
        how=DispositionKind.TRANSFERRED,
        to_name="Second Unit Films",
        to_licence="9-95-000-07-2B-00001",
    )
    assert isinstance(e, ev.WeaponRetired) and e.disposition is not None
    assert e.disposition.how is DispositionKind.TRANSFERRED


def test_a_disposition_in_the_future_or_before_the_weapon_came_is_refused():
    s = dry_gulch(with_scene=False)
    s.do(c.RegisterWeapon, MARA, weapon=W9, acquisition=HOUSE, **SPEC)
    assert "is in the future" in str(
        s.refused(c.RetireWeapon, MARA, weapon=W9, on=date(2026, 12, 1))
    )
    assert "before the day it was received (2026-03-10)" in str(
        s.refused(c.RetireWeapon, MARA, weapon=W9, on=date(2026, 3, 9))
    )
    s.do(c.RetireWeapon, MARA, weapon=W9, how=DispositionKind.DESTROYED, on=date(2026, 3, 12))
    assert s.state.weapons[W9].disposition is not None
    assert s.state.weapons[W9].disposition.on == date(2026, 3, 12)


def test_a_safety_supervisor_qualification_that_expired_does_not_block_custody():
    s = dry_gulch()
    s.do(
        c.RecordPermit,
        TOM,
        person=MARA,
        kind=PermitKind.SAFETY_SUPERVISOR,
        number="SS-1",
        expires=date(DAY.year - 1, 1, 1),
    )
    s.do(c.TakeOutOfStorage, MARA, weapon=W1)  # R26 checks armorer and entertainment permits
    s.do(
        c.RecordPermit,
        TOM,
        person=MARA,
        kind=PermitKind.ENTERTAINMENT_FIREARMS,
        number="EFP-1",
        expires=date(DAY.year - 1, 1, 1),
    )
    assert "R26" in str(s.refused(c.TakeOutOfStorage, MARA, weapon=W2))
