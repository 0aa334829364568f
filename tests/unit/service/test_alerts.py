"""Alerts raised by committed events, and the R22 escalation watch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, ProductionId, ReportId
from coldcheck.domain.model import Role
from coldcheck.domain.rules import decide
from coldcheck.domain.state import ProductionState, apply, empty_state
from coldcheck.service.alerts import OverdueWatch, alerts_for

P = ProductionId("p")
TOM, SAM = PersonId("tom"), PersonId("sam")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def run(state: ProductionState, command: c.Command) -> tuple[ProductionState, list[object]]:
    events = decide(state, command)
    assert isinstance(events, list), events
    for e in events:
        state = apply(state, e)
    return state, events


def production_with_a_report() -> ProductionState:
    s, _ = run(
        empty_state(P),
        c.CreateProduction(
            production=P,
            actor=TOM,
            at=T0,
            title="T",
            company="C",
            location="L",
            time_zone="UTC",
            actor_name="Tom",
            roles=(Role.PRODUCER,),
        ),
    )
    s, _ = run(s, c.AddPerson(production=P, actor=TOM, at=T0, person=SAM, name="Sam"))
    s, _ = run(s, c.AssignRole(production=P, actor=TOM, at=T0, person=SAM, role=Role.PERFORMER))
    s, _ = run(
        s,
        c.FileSafetyReport(
            production=P, actor=SAM, at=T0, report=ReportId("S-1"), text="loose cylinder pin"
        ),
    )
    return s


def test_an_open_report_is_escalated_once_after_24_hours_R22() -> None:
    state = production_with_a_report()
    watch = OverdueWatch()
    assert watch.tick([state], T0 + timedelta(hours=23)) == []
    (alert,) = watch.tick([state], T0 + timedelta(hours=25))
    assert alert.kind == "overdue" and "S-1" in alert.message and "R22" in alert.message
    assert watch.tick([state], T0 + timedelta(hours=26)) == []


def test_stop_work_raises_a_stop_work_alert() -> None:
    state = production_with_a_report()
    _, events = run(state, c.StopWork(production=P, actor=TOM, at=T0, reason="unplanned discharge"))
    alerts = alerts_for(events, list(range(len(events))), state)  # type: ignore[arg-type]
    assert [a.kind for a in alerts if a.kind == "stop_work"] == ["stop_work"]
