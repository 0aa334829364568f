"""Issue 18: the return manifest (what goes back to the rental house, with where every round
went) and the people CSV that round-trips onto its own production."""

from __future__ import annotations

from coldcheck.adapters.csv_io import dump_csv, parse_csv
from coldcheck.domain import commands as c
from coldcheck.domain.model import Role
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply
from coldcheck.service.exchange import (
    RETURN_COLUMNS,
    export_rows,
    plan_import,
    return_manifest_rows,
)
from tests.factories import (
    C_BLANKS,
    C_RIFLE,
    DANA,
    DAWN,
    L1,
    L3,
    MARA,
    PRIYA,
    TOM,
    W1,
    armed,
    dry_gulch,
)
from tests.unit.exchange.test_exchange import _fresh_production


def _worked_production() -> ProductionState:
    """Dry Gulch after a day: 4 blanks of L-0001 loaded, 2 fired, 10 destroyed, 20 of L-0003
    returned to the house early."""
    s = dry_gulch()
    armed(s)
    s.do(c.RecordFiring, MARA, weapon=W1, positions=("chamber 1", "chamber 2"))
    s.do(c.DestroyRounds, MARA, confirm=(PRIYA,), lot=L1, container=C_BLANKS, count=10, note="damp")
    s.do(c.ReturnLot, MARA, confirm=(PRIYA,), lot=L3, container=C_RIFLE, count=20, note="early")
    return s.state


def _record(target: ProductionState, commands: list[c.Command]) -> ProductionState:
    for cmd in commands:
        decision = decide(target, cmd)
        assert isinstance(decision, list), decision
        for e in decision:
            target = apply(target, e)
    return target


def _by_tag(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    return {r[1]: dict(zip(RETURN_COLUMNS, r, strict=True)) for r in rows}


def test_the_return_manifest_counts_each_lot_received_fired_destroyed_returned_and_on_hand():
    _, rows = return_manifest_rows(_worked_production())
    lots = _by_tag(rows)
    l1 = lots["L-0001"]
    assert (l1["received"], l1["fired"], l1["destroyed"], l1["returned"]) == ("200", "2", "10", "0")
    assert l1["on_hand"] == l1["count"] == "188"  # 186 in the box, 2 still in W-0001
    l3 = lots["L-0003"]
    assert (l3["received"], l3["returned"], l3["on_hand"]) == ("100", "20", "80")
    assert lots["W-0001"]["item"] == "weapon" and lots["W-0001"]["serial"] == "SAA-1873"
    # the lots export still says what was received: it is the receiving sheet, not the return
    received = {r[0]: r[5] for r in export_rows("lots", _worked_production())[1]}
    assert received["L-0001"] == "200"


def test_a_return_manifest_imports_into_a_fresh_production_and_the_counts_agree():
    source = _worked_production()
    columns, rows = return_manifest_rows(source)
    plan = plan_import(
        "manifest", parse_csv(dump_csv(columns, rows)), _fresh_production(), MARA, DAWN
    )
    assert plan.ok, plan.problems
    target = _record(_fresh_production(), plan.commands)
    for tag, ls in source.lots.items():
        assert target.lots[tag].lot.count == ls.in_store + ls.in_weapons
        assert target.lots[tag].in_store == ls.in_store + ls.in_weapons
    assert {w.weapon.serial for w in target.weapons.values()} == {
        w.weapon.serial for w in source.weapons.values() if not w.retired
    }
    again = _by_tag(return_manifest_rows(target)[1])
    for tag, row in _by_tag(rows).items():
        assert again[tag]["count"] == row["count"]


def test_a_return_manifest_whose_counts_do_not_add_up_is_refused_and_nothing_imported():
    columns, rows = return_manifest_rows(_worked_production())
    tampered = [list(r) for r in rows]
    l1 = next(r for r in tampered if r[1] == "L-0001")
    l1[RETURN_COLUMNS.index("fired")] = "1"  # one blank fewer fired than recorded
    plan = plan_import(
        "manifest", parse_csv(dump_csv(columns, tampered)), _fresh_production(), MARA, DAWN
    )
    assert not plan.ok  # all or nothing: no row is recorded
    (problem,) = plan.problems
    assert "the counts do not agree" in str(problem)
    short = [list(r) for r in rows]
    l3 = next(r for r in short if r[1] == "L-0003")
    l3[RETURN_COLUMNS.index("count")] = "100"
    plan = plan_import(
        "manifest", parse_csv(dump_csv(columns, short)), _fresh_production(), MARA, DAWN
    )
    assert "count 100 is not the 80 on hand" in str(plan.problems[0])


def test_a_lot_with_nothing_on_hand_is_listed_but_skipped_on_import_saying_so():
    s = dry_gulch(with_scene=False)
    s.do(c.ReturnLot, MARA, confirm=(PRIYA,), lot=L3, container=C_RIFLE, count=100, note="all")
    columns, rows = return_manifest_rows(s.state)
    assert _by_tag(rows)["L-0003"]["on_hand"] == "0"
    plan = plan_import(
        "manifest", parse_csv(dump_csv(columns, rows)), _fresh_production(), MARA, DAWN
    )
    assert plan.ok, plan.problems
    assert [why for _, why in plan.skipped] == ["lot L-0003: nothing on hand"]
    assert "L-0003" not in {x for row in plan.rows for x in row.creates}


def test_the_people_export_imports_back_onto_its_own_production_skipping_who_is_there():
    state = dry_gulch().state
    columns, rows = export_rows("people", state)
    plan = plan_import("people", parse_csv(dump_csv(columns, rows)), state, TOM, DAWN)
    assert plan.ok, plan.problems
    assert not plan.rows
    assert len(plan.skipped) == len(rows)
    assert all("already on the production with these roles" in why for _, why in plan.skipped)


def test_a_person_already_there_gets_only_the_roles_they_lack():
    state = dry_gulch().state
    text = "person,name,roles\nmara,Mara Voss,armorer;crew\nnora-bell,Nora Bell,performer\n"
    plan = plan_import("people", parse_csv(text), state, TOM, DAWN)
    assert plan.ok, plan.problems
    kinds = [(type(cmd).__name__, getattr(cmd, "role", None)) for cmd in plan.commands]
    assert kinds == [
        ("AssignRole", Role.CREW),
        ("AddPerson", None),
        ("AssignRole", Role.PERFORMER),
    ]


def test_a_person_id_already_used_for_someone_else_is_refused():
    state = dry_gulch().state
    plan = plan_import("people", parse_csv("person,name\ndana,Dana Smith\n"), state, TOM, DAWN)
    assert not plan.ok
    assert "already on the production as 'Dana Ortiz', not 'Dana Smith'" in str(plan.problems[0])
    assert DANA in state.people
