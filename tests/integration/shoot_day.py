"""Play part of the demo's shoot day (SHOOT-DAY.md) through the real rules, for report tests.

Scene 41 with W-0001 (blanks loaded, handed to Jack, two fired, one misfire,
taken back, unloaded, bore checked, back in storage), then an unplanned
discharge of W-0004 with Sam (incident, quarantine, stop-work) and an
anonymous safety report.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.ids import ContainerId, LotId, PersonId, ProductionId, SceneId, WeaponId
from coldcheck.domain.mechanics import ActionType, RoundState, inspection_checklist, load_positions
from coldcheck.domain.model import BoreFinding, Disposition, Finding, PositionLoad
from coldcheck.ledger.chain import from_ms
from coldcheck.service.envelope import Channel
from coldcheck.service.ports import FixedClock

P = ProductionId("dry-gulch")
MARA, DANA, JACK, SAM = (PersonId(p) for p in ("mara-voss", "dana-ortiz", "jack-hale", "sam-kee"))
ELI = PersonId("eli-tran")
W1, W4 = WeaponId("W-0001"), WeaponId("W-0004")
L1, C1 = LotId("L-0001"), ContainerId("C-0001")


def _inspect(weapon: WeaponId, action: ActionType, capacity: int) -> dict[str, Any]:
    return {
        "weapon": weapon,
        "findings": tuple(Finding(p, RoundState.EMPTY) for p in load_positions(action, capacity)),
        "bore": BoreFinding.CLEAR,
        "checklist": inspection_checklist(action),
    }


DISCHARGE = "went off during a reset; the plan had no firing"


def play(data: Path, discharge: str = DISCHARGE) -> dict[str, Any]:
    """Run the scenario on the demo data folder ``data``; returns times and ids.

    ``discharge`` is what the armorer writes about the unplanned discharge.
    """
    settings = Settings.from_env({"COLDCHECK_DATA": str(data)})
    probe = build(settings, hasher=Argon2Hasher.cheap())
    try:
        last = max(i.event.at for i in probe.reads.timeline(P, None, limit=10_000))
        newest = probe.reads.ledger_head()
        if newest is not None:  # nothing is ever recorded before what the log holds
            last = max(last, from_ms(newest.timestamp))
    finally:
        probe.close()
    clock = FixedClock(last)
    app = build(settings, clock=clock, hasher=Argon2Hasher.cheap())
    t = last

    def run(minutes: float, cls: type[c.BaseCommand], actor: PersonId | None, **kw: Any) -> Any:
        nonlocal t
        t = t + timedelta(minutes=minutes)
        clock.set(t)
        confirm = kw.pop("confirm", ())
        command = cls(production=P, actor=actor, at=t, confirmations=frozenset(confirm), **kw)
        return app.custody.execute(command, channel=Channel.web())  # type: ignore[arg-type]

    saa = ActionType.SINGLE_ACTION_REVOLVER
    try:
        run(2, c.TakeOutOfStorage, MARA, weapon=W1)
        run(2, c.InspectWeapon, MARA, **_inspect(W1, saa, 6))
        loaded_at = t + timedelta(minutes=2)
        run(
            2,
            c.LoadWeapon,
            MARA,
            weapon=W1,
            container=C1,
            loads=tuple(PositionLoad(f"chamber {i}", L1) for i in range(1, 5)),
            scene=SceneId("41"),
            take_at=loaded_at + timedelta(minutes=10),
            hammer_over="chamber 6",
        )
        run(2, c.HandOver, MARA, weapon=W1, to=JACK, confirm=(JACK, DANA))
        run(8, c.RecordFiring, MARA, weapon=W1, positions=("chamber 1", "chamber 2"))
        run(0.5, c.RecordMisfire, MARA, weapon=W1, position="chamber 3")
        run(1, c.TakeBack, MARA, weapon=W1, confirm=(JACK,))
        run(
            1,
            c.UnloadWeapon,
            MARA,
            weapon=W1,
            positions=("chamber 1", "chamber 2", "chamber 4"),
            disposition=Disposition.STORE,
            container=C1,
        )
        run(
            1,
            c.UnloadWeapon,
            MARA,
            weapon=W1,
            positions=("chamber 3",),
            disposition=Disposition.DESTROY,
            confirm=(ELI,),
        )
        run(1, c.CheckBore, MARA, weapon=W1, bore=BoreFinding.CLEAR)
        run(1, c.InspectWeapon, MARA, **_inspect(W1, saa, 6))
        run(1, c.ReturnToStorage, MARA, weapon=W1)
        discharge = run(
            5,
            c.RecordUnplannedDischarge,
            MARA,
            weapon=W4,
            description=discharge,
        )
        run(
            3,
            c.FileSafetyReport,
            None,
            report="",
            text="W-0004 discharge, nobody hurt",
            anonymous=True,
        )
    finally:
        app.close()
    incidents = sorted(discharge.state.incidents)
    return {"loaded_at": loaded_at, "last": t, "incident": incidents[-1], "end": t}


def local_day(at: datetime) -> str:
    """The demo production's local date of ``at``."""
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo("America/Denver")).date().isoformat()
