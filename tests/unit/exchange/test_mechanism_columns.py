"""Weapon files carry the mechanism the hazard model reads (R25): optional yes/no columns."""

from __future__ import annotations

from coldcheck.adapters.csv_io import dump_csv, parse_csv
from coldcheck.domain import commands as c
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply
from coldcheck.service.exchange import MECHANISM_COLUMNS, WEAPON_COLUMNS, export_rows, plan_import
from tests.factories import DAWN, MARA, dry_gulch

#: A weapons file from before R25 widened.
OLD_HEADER = (
    "tag,name,make,model,serial,calibre,owner,kind,action,capacity,transfer_bar,select_fire"
)
PUMP = ",Winchester 1897,Winchester,1897,W97-1,12 gauge,House,firearm,pump,5,no,no"


def _import(text: str, state: ProductionState) -> tuple[ProductionState, list[c.RegisterWeapon]]:
    plan = plan_import("weapons", parse_csv(text), state, MARA, DAWN)
    assert plan.ok, plan.problems
    commands = [cmd for cmd in plan.commands if isinstance(cmd, c.RegisterWeapon)]
    for cmd in plan.commands:
        decision = decide(state, cmd)
        assert isinstance(decision, list)
        for e in decision:
            state = apply(state, e)
    return state, commands


def test_a_weapon_file_without_the_mechanism_columns_still_imports_with_none_recorded():
    _, (cmd,) = _import(f"{OLD_HEADER}\n{PUMP}\n", dry_gulch().state)
    assert (cmd.open_bolt, cmd.slam_fire, cmd.drop_safety, cmd.decocker) == (False,) * 4


def test_a_slam_fire_pump_and_an_open_bolt_gun_import_and_export_with_their_mechanism():
    header = f"{OLD_HEADER},{','.join(MECHANISM_COLUMNS)}"
    rows = [
        f"{PUMP},no,yes,no,no",
        ",Sten,BSA,Mk II,ST-1,9 mm,House,blank_adapted,semi_auto_rifle,32,no,no,yes,no,no,no",
        ",Glock 17,Glock,17,GL-1,9 mm,House,firearm,semi_auto_pistol,17,no,no,no,no,yes,",
    ]
    state, commands = _import("\n".join([header, *rows]) + "\n", dry_gulch().state)
    assert [(x.open_bolt, x.slam_fire, x.drop_safety) for x in commands] == [
        (False, True, False),
        (True, False, False),
        (False, False, True),
    ]
    columns, out = export_rows("weapons", state)
    assert columns == WEAPON_COLUMNS and set(MECHANISM_COLUMNS) <= set(columns)
    pump = dict(zip(columns, next(row for row in out if "W97-1" in row), strict=True))
    assert [pump[column] for column in MECHANISM_COLUMNS] == ["no", "yes", "no", "no"]
    assert "W97-1" in dump_csv(columns, out)


def test_a_mechanism_the_action_cannot_have_is_refused_on_its_line():
    header = f"{OLD_HEADER},{','.join(MECHANISM_COLUMNS)}"
    revolver = ",Colt SAA,Colt,SAA,SAA-9,.45 Colt,House,firearm,single_action_revolver,6,no,no"
    plan = plan_import(
        "weapons",
        parse_csv(f"{header}\n{revolver},yes,no,no,no\n{PUMP},no,maybe,no,no\n"),
        dry_gulch().state,
        MARA,
        DAWN,
    )
    lines = {p.line: str(p) for p in plan.problems}
    assert "open bolt" in lines[2]
    assert "column 'slam_fire': 'maybe' is not yes or no" in lines[3]
