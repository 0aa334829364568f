"""Issue 18: the bound book round-trips with a rental house — every firearm's acquisition and
disposition in the columns of 27 CFR 478.125(e), exported, imported into a fresh production
and exported again unchanged; a house's book of what it sends imports as weapons acquired
from that house."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from coldcheck.adapters.csv_io import dump_csv, parse_csv
from coldcheck.domain import commands as c
from coldcheck.domain.ids import WeaponId
from coldcheck.domain.mechanics import ActionType
from coldcheck.domain.model import Acquisition, DispositionKind, WeaponKind
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply
from coldcheck.service.boundbook import HEADERS, House, bound_book_rows, plan_bound_book
from tests.factories import DAWN, MARA, W2, W3, W5, dry_gulch
from tests.unit.exchange.test_exchange import _fresh_production

W9 = WeaponId("W-0009")
HOUSE = Acquisition(
    name="Hollywood Gun Rentals",
    address="1 Prop Row, Burbank CA",
    licence="9-95-037-01-2A-12345",
    reference="RA-2026-118",
    received=date(2026, 3, 10),
)


def _worked_book() -> ProductionState:
    """Dry Gulch with a weapon acquired from a house (full record), one returned to it, one
    transferred, and weapons registered before acquisitions were recorded."""
    s = dry_gulch(with_scene=False)
    s.do(
        c.RegisterWeapon,
        MARA,
        weapon=W9,
        name="Glock 17",
        make="Glock",
        model="17",
        serial="GL-17-0001",
        calibre="9mm",
        owner="Hollywood Gun Rentals",
        kind=WeaponKind.BLANK_ADAPTED,
        action=ActionType.SEMI_AUTO_PISTOL,
        capacity=17,
        importer="Glock Inc., Smyrna GA",
        country="Austria",
        firearm_type="Pistol",
        acquisition=HOUSE,
    )
    s.do(c.RetireWeapon, MARA, weapon=W9, reference="return slip 7", on=date(2026, 3, 12))
    s.do(
        c.RetireWeapon,
        MARA,
        weapon=W3,
        how=DispositionKind.TRANSFERRED,
        to_name="Second Unit Films",
        to_address="2 Ranch Rd, Santa Fe NM",
        to_licence="9-85-000-07-2B-00001",
    )
    return s.state


def _record(target: ProductionState, commands: list[c.Command]) -> ProductionState:
    for cmd in commands:
        decision = decide(target, cmd)
        assert isinstance(decision, list), decision
        for e in decision:
            target = apply(target, e)
    return target


def _rows_by_tag(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    return {r[0]: dict(zip(HEADERS, r, strict=True)) for r in rows}


def test_the_bound_book_lists_every_firearm_with_its_acquisition_and_disposition():
    columns, rows = bound_book_rows(_worked_book())
    assert columns[1:9] == (
        "Manufacturer",
        "Importer",
        "Country of Manufacture",
        "Model",
        "Serial Number",
        "Type",
        "Caliber or Gauge",
        "Acquisition Date",
    )
    book = _rows_by_tag(rows)
    assert W5 not in book  # a rubber replica is not a firearm
    glock = book[W9]
    assert (glock["Acquired From Name"], glock["Acquired From License"]) == (
        "Hollywood Gun Rentals",
        "9-95-037-01-2A-12345",
    )
    assert (glock["Acquisition Date"], glock["Disposition Date"]) == ("2026-03-10", "2026-03-12")
    assert (glock["Disposition"], glock["Disposed To Name"]) == (
        "returned",
        "Hollywood Gun Rentals",
    )
    assert (glock["Importer"], glock["Country of Manufacture"]) == (
        "Glock Inc., Smyrna GA",
        "Austria",
    )
    winchester = book[W3]
    assert (winchester["Disposition"], winchester["Disposed To License"]) == (
        "transferred",
        "9-85-000-07-2B-00001",
    )
    # registered before acquisitions were recorded: received from its owner, the day it came
    colt = book["W-0001"]
    assert (colt["Acquired From Name"], colt["Acquisition Date"]) == ("Rental House", "2026-03-13")
    assert (colt["Type"], colt["Disposition"]) == ("Revolver", "")
    assert book[W3]["Type"] == ""  # a lever action may be a rifle or a shotgun: not guessed


def test_a_bound_book_imports_into_a_fresh_production_and_exports_again_unchanged():
    columns, rows = bound_book_rows(_worked_book())
    plan = plan_bound_book(parse_csv(dump_csv(columns, rows)), _fresh_production(), MARA, DAWN)
    assert plan.ok, plan.problems
    target = _record(_fresh_production(), plan.commands)
    assert bound_book_rows(target) == (columns, rows)
    assert target.weapons[W9].retired and not target.weapons[W2].retired


def test_a_rental_house_book_imports_as_weapons_acquired_from_that_house():
    house_file = (
        "Manufacturer,Importer,Country of Manufacture,Model,Serial Number,Type,Caliber or Gauge,"
        "Acquisition Date,Acquired From Name,Disposition Date,Disposed To Name,"
        "Disposition Reference,Kind,Action,Capacity\r\n"
        "Colt,,USA,Single Action Army,SA-48213,Revolver,.45 Colt,01/05/2019,Colt's Mfg,"
        "03/09/2026,Dry Gulch Productions,INV-4471,firearm,single_action_revolver,6\r\n"
        "Beretta,Beretta USA,Italy,92FS,BER-1001,Pistol,9mm,2020-02-02,Beretta USA,"
        "2026-03-09,Dry Gulch Productions,INV-4471,blank_adapted,semi_auto_pistol,15\r\n"
    )
    house = House("Hollywood Gun Rentals", licence="9-95-037-01-2A-12345", address="Burbank CA")
    target = _fresh_production()
    plan = plan_bound_book(parse_csv(house_file), target, MARA, DAWN, house)
    assert plan.ok, plan.problems
    target = _record(target, plan.commands)
    colt = next(w.weapon for w in target.weapons.values() if w.weapon.serial == "SA-48213")
    assert colt.acquisition == Acquisition(
        name="Hollywood Gun Rentals",
        address="Burbank CA",
        licence="9-95-037-01-2A-12345",
        reference="INV-4471",
        received=date(2026, 3, 9),
    )
    assert (colt.owner, colt.country, colt.name) == (
        "Hollywood Gun Rentals",
        "USA",
        "Colt Single Action Army",
    )
    assert not any(w.retired for w in target.weapons.values())  # their disposition is to us
    # what goes back: our book names the house as the sender
    book = _rows_by_tag(bound_book_rows(target)[1])
    assert {r["Acquired From Name"] for r in book.values()} == {"Hollywood Gun Rentals"}


def test_a_house_file_without_action_and_capacity_is_refused_saying_what_to_add():
    text = (
        "Manufacturer,Model,Serial Number,Type,Caliber or Gauge\r\nColt,SAA,SA-1,Revolver,.45\r\n"
    )
    plan = plan_bound_book(parse_csv(text), _fresh_production(), MARA, DAWN, House("H"))
    assert not plan.ok and not plan.commands
    assert "missing column(s) Kind, Action, Capacity" in str(plan.problems[0])


def test_a_bad_day_an_unknown_column_or_a_disposition_without_its_day_is_refused():
    columns, rows = bound_book_rows(_worked_book())
    bad = [list(r) for r in rows]
    bad[0][HEADERS.index("Acquisition Date")] = "14.03.2026"
    plan = plan_bound_book(parse_csv(dump_csv(columns, bad)), _fresh_production(), MARA, DAWN)
    assert not plan.ok and "'14.03.2026' is not a day" in str(plan.problems[0])
    assert plan.problems[0].line == 2
    half = [list(r) for r in rows]
    half[0][HEADERS.index("Disposition")] = "destroyed"
    plan = plan_bound_book(parse_csv(dump_csv(columns, half)), _fresh_production(), MARA, DAWN)
    assert "give the day it left" in str(plan.problems[0])
    plan = plan_bound_book(
        parse_csv(dump_csv((*columns, "Cost"), [[*r, "100"] for r in rows])),
        _fresh_production(),
        MARA,
        DAWN,
    )
    assert "unknown column(s) 'cost'" in str(plan.problems[0])


def test_a_bound_book_row_is_judged_by_the_rules_like_any_registration():
    columns, rows = bound_book_rows(_worked_book())
    future = [list(r) for r in rows]
    future[0][HEADERS.index("Acquisition Date")] = "2027-01-01"
    plan = plan_bound_book(parse_csv(dump_csv(columns, future)), _fresh_production(), MARA, DAWN)
    assert not plan.ok and plan.refused_by_rules
    assert "is in the future" in str(plan.problems[0])
    long = [list(r) for r in rows]
    long[0][HEADERS.index("Acquired From Address")] = "x" * 201
    plan = plan_bound_book(parse_csv(dump_csv(columns, long)), _fresh_production(), MARA, DAWN)
    assert "address is 201 characters long" in str(plan.problems[0])


def test_the_sample_rental_house_book_imports_into_a_fresh_production():
    sample = Path(__file__).resolve().parents[3] / "examples" / "rental-house-bound-book.csv"
    plan = plan_bound_book(
        parse_csv(sample.read_text(encoding="utf-8")),
        _fresh_production(),
        MARA,
        DAWN,
        House("Hollywood Gun Rentals", licence="9-95-037-01-2A-12345"),
    )
    assert plan.ok, plan.problems
    assert len(plan.rows) == 2


def test_a_weapon_registered_and_retired_before_issue_18_is_returned_to_its_owner_in_the_book():
    from coldcheck.domain.codec import event_from_envelope
    from coldcheck.domain.state import apply as fold

    s = dry_gulch(with_scene=False)
    state = s.state
    envelope = {"production": "dry-gulch", "by": "mara", "witnesses": []}
    registered = event_from_envelope(
        "WeaponRegistered",
        1,
        at="2026-03-01T17:00:00+00:00",
        payload={
            "weapon": "W-0009",
            "name": "Colt SAA",
            "make": "Colt",
            "model": "SAA",
            "serial": "OLD-1",
            "calibre": ".45 Colt",
            "owner": "Old House",
            "kind": "firearm",
            "action": "single_action_revolver",
            "capacity": 6,
            "transfer_bar": False,
            "select_fire": False,
        },
        **envelope,
    )
    retired = event_from_envelope(
        "WeaponRetired", 1, at="2026-03-05T03:00:00+00:00", payload={"weapon": "W-0009"}, **envelope
    )
    state = fold(fold(state, registered), retired)
    row = _rows_by_tag(bound_book_rows(state)[1])[W9]
    assert (row["Acquired From Name"], row["Acquisition Date"]) == ("Old House", "2026-03-01")
    # 03:00 UTC on the 5th is the 4th in Denver, the production's zone
    assert (row["Disposition"], row["Disposed To Name"], row["Disposition Date"]) == (
        "returned",
        "Old House",
        "2026-03-04",
    )
