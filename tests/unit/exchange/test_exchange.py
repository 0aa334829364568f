"""Import and export as table rows: parsing, all-or-nothing validation, round trip."""

from __future__ import annotations

from datetime import datetime

from coldcheck.adapters.csv_io import dump_csv, parse_csv
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import Role
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply, empty_state
from coldcheck.service.exchange import (
    WEAPON_COLUMNS,
    ImportPlan,
    export_rows,
    neutralise,
    plan_import,
    table_from_rows,
    unneutralise,
)
from tests.factories import DANA, DAWN, MARA, PROD, TOM, dry_gulch

HEADER = ",".join(WEAPON_COLUMNS)
GOOD = ",Colt 1851 Navy,Colt,1851,CN-1,.36,House,firearm,single_action_revolver,6,no,no"


def _state() -> ProductionState:
    return dry_gulch().state


def _now() -> datetime:
    return DAWN


def _plan(text: str, actor: PersonId = MARA) -> ImportPlan:
    return plan_import("weapons", parse_csv(text), _state(), actor, _now())


def test_csv_rows_keep_their_physical_line_numbers_across_quoted_newlines_and_a_bom():
    table = parse_csv('\ufeffa,b\n1,"two\nlines"\n\n3,4\n')
    assert table.columns == ("a", "b")
    assert [(r.line, r.values["a"]) for r in table.rows] == [(2, "1"), (5, "3")]


def test_cells_that_look_like_formulas_are_neutralised_and_restored():
    for cell in ('=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx"):
        assert neutralise(cell) == "'" + cell
        assert unneutralise(neutralise(cell)) == cell
    assert neutralise("Colt") == "Colt"
    assert "'=cmd|' /C calc'!A0" in dump_csv(["name"], [["=cmd|' /C calc'!A0"]])


def test_good_rows_become_register_commands_with_the_next_free_tags():
    plan = _plan(f"{HEADER}\n{GOOD}\n{GOOD.replace('CN-1', 'CN-2')}\n")
    assert plan.ok
    assert [row.creates for row in plan.rows] == [("W-0006",), ("W-0007",)]
    assert all(isinstance(cmd, c.RegisterWeapon) for cmd in plan.commands)


def test_every_bad_row_is_listed_with_its_line_and_nothing_is_planned():
    text = "\n".join(
        [
            HEADER,
            GOOD,
            GOOD.replace("firearm", "laser").replace(",6,", ",six,"),
            GOOD,  # the same serial as line 2
            GOOD.replace("CN-1", "CN-9"),  # fine on its own
            "W-0001" + GOOD.replace("CN-1", "CN-8"),
        ]
    )
    plan = _plan(text + "\n")
    assert not plan.ok
    lines = {p.line: p for p in plan.problems}
    assert set(lines) == {3, 4, 6}
    assert {r.message.split(":")[0] for r in lines[3].reasons} == {
        "column 'kind'",
        "column 'capacity'",
    }
    assert "serial CN-1 is already registered" in str(lines[4])
    assert "W-0001 is already registered" in str(lines[6])
    assert lines[4].by_rules and not lines[3].by_rules
    assert plan.refused_by_rules


def test_unknown_and_missing_columns_are_refused_at_line_one():
    plan = _plan("name,serial,colour\nx,y,red\n")
    assert [p.line for p in plan.problems] == [1]
    text = str(plan.problems[0])
    assert "unknown column(s) 'colour'" in text and "missing column(s) calibre, kind" in text


def test_rows_are_judged_by_the_rules_for_the_person_named():
    plan = _plan(f"{HEADER}\n{GOOD}\n", actor=TOM)
    assert [r.rule for r in plan.problems[0].reasons] == ["AUTH"]


def test_a_lot_without_a_container_gets_a_new_container_and_blanks_never_join_dummies():
    text = (
        "round_class,blank_load,calibre,supplier,count,container\n"
        "blank,full,12 gauge,House,50,\n"
        "dummy,,.45 Colt,House,10,C-0001\n"
    )
    plan = plan_import("lots", parse_csv(text), _state(), MARA, _now())
    assert [p.line for p in plan.problems] == [3]
    assert plan.problems[0].reasons[0].rule == "R04"
    ok = plan_import("lots", parse_csv(text.rsplit("\n", 2)[0] + "\n"), _state(), MARA, _now())
    assert ok.ok and ok.rows[0].creates == ("C-0004", "L-0004")
    receive = ok.commands[-1]
    assert isinstance(receive, c.ReceiveLot) and receive.container == "C-0004"


def test_people_rows_add_the_person_and_each_role():
    text = "person,name,roles\nnora-bell,Nora Bell,performer;crew\nBad Id,X,\nzed,Zed,wizard\n"
    plan = plan_import("people", parse_csv(text), _state(), TOM, _now())
    assert [p.line for p in plan.problems] == [3, 4]
    plan = plan_import("people", parse_csv(text.split("\nBad")[0] + "\n"), _state(), TOM, _now())
    assert [type(cmd).__name__ for cmd in plan.commands] == [
        "AddPerson",
        "AssignRole",
        "AssignRole",
    ]


def _fresh_production() -> ProductionState:
    s = empty_state(ProductionId("other"))
    for cmd in (
        c.CreateProduction(
            production=ProductionId("other"),
            actor=TOM,
            at=_now(),
            title="Other",
            company="Co",
            location="here",
            time_zone="UTC",
        ),
        c.AddPerson(production=ProductionId("other"), actor=TOM, at=_now(), person=DANA, name="D"),
        c.AssignRole(
            production=ProductionId("other"), actor=TOM, at=_now(), person=DANA, role=Role.FIRST_AD
        ),
        c.AddPerson(production=ProductionId("other"), actor=TOM, at=_now(), person=MARA, name="M"),
        c.AssignRole(
            production=ProductionId("other"),
            actor=TOM,
            at=_now(),
            confirmations=frozenset({DANA}),
            person=MARA,
            role=Role.ARMORER,
        ),
    ):
        decision = decide(s, cmd)
        assert isinstance(decision, list)
        for e in decision:
            s = apply(s, e)
    return s


def test_exported_weapons_and_lots_import_unchanged_into_another_production():
    source = _state()
    target = _fresh_production()
    for kind in ("weapons", "lots"):
        columns, rows = export_rows(kind, source)
        text = dump_csv(columns, rows)
        plan = plan_import(kind, parse_csv(text), target, MARA, _now())
        assert plan.ok, plan.problems
        for cmd in plan.commands:
            decision = decide(target, cmd)
            assert isinstance(decision, list)
            for e in decision:
                target = apply(target, e)
        assert export_rows(kind, target) == (columns, rows)
    assert target.production != PROD


def test_export_rows_read_back_as_the_same_table():
    columns, rows = export_rows("people", _state())
    table = table_from_rows(columns, rows)
    assert table.rows[0].line == 2 and table.columns == columns


def test_a_semicolon_separated_file_is_refused_saying_use_commas():
    import pytest

    from coldcheck.adapters.csv_io import CsvError

    with pytest.raises(CsvError, match="use commas"):
        parse_csv("tag;name;serial\nW-0009;Colt;123\n")
