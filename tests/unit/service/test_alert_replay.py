"""Alerts carry ids; a stream that reconnects gets what it missed, or is told it cannot know."""

from __future__ import annotations

from datetime import UTC, datetime

from coldcheck.domain.ids import ProductionId
from coldcheck.service.alerts import Alert, AlertHub

P, Q = ProductionId("dry-gulch"), ProductionId("red-mesa")
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def alert(production: ProductionId, kind: str) -> Alert:
    return Alert(production, kind, f"{kind} on {production}", T0, 1)


def test_a_reconnect_with_the_last_id_gets_every_alert_it_missed_in_order():
    hub = AlertHub()
    start = hub.last_id()
    hub.publish([alert(P, "blank_load"), alert(Q, "incident"), alert(P, "stop_work")])
    replay = hub.since(P, start)
    assert replay.complete
    assert [n.alert.kind for n in replay.alerts] == ["blank_load", "stop_work"]
    assert [n.n for n in replay.alerts] == sorted(n.n for n in replay.alerts)
    assert hub.since(P, replay.alerts[-1].id).alerts == ()


def test_an_id_from_another_server_process_or_beyond_the_buffer_says_alerts_may_be_lost():
    hub = AlertHub(buffer=3)
    start = hub.last_id()
    assert not hub.since(P, "0badc0de-7").complete  # a restart: another hub id
    assert not hub.since(P, f"{hub.hub_id}-99").complete  # an id this hub never gave
    hub.publish([alert(P, "blank_load") for _ in range(5)])
    lost = hub.since(P, start)
    assert not lost.complete and len(lost.alerts) == 3
    recent = hub.since(P, lost.alerts[0].id)
    assert recent.complete and len(recent.alerts) == 2
    assert hub.since(P, None).complete and hub.since(P, None).alerts == ()
