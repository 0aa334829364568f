"""Paper and screen describe an event in the same words (service.words)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from coldcheck.bootstrap import build
from coldcheck.config import Settings
from coldcheck.domain.ids import ProductionId
from coldcheck.service import words
from coldcheck.service.daily import daily_report
from tests.conftest import Server

DEMO = ProductionId("dry-gulch")


def _signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=True)
    client.post("/signin", data={"login": "mara", "password": "dry-gulch-demo"})
    return client


def test_the_weapon_page_and_the_daily_log_say_the_same_sentence(
    demo_server: Server, demo_copy: Path
) -> None:
    client = _signed_in(demo_server.url)
    try:
        page = client.get("/p/dry-gulch/w/W-0001")
    finally:
        client.close()
    assert page.status_code == 200
    screen = html.unescape(re.sub(r"\s+", " ", page.text))
    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}))
    try:
        state = app.custody.state(DEMO)
        items = app.reads.timeline(DEMO, "W-0001", 200)
        assert state.info is not None
        day = items[-1].event.at.astimezone(ZoneInfo(state.info.time_zone)).date()
        report = daily_report(
            state, app.reads.timeline(DEMO, None, 10_000), day, app.clock.now(), None
        )
    finally:
        app.close()
    assert items
    for item in items:
        assert words.describe(item.event, state) in screen, words.describe(item.event, state)
    on_paper = {row.seq: row.what for row in report.events}
    shared = [item for item in items if item.seq in on_paper]
    assert shared, "the daily log of the weapon's last day lists its events"
    for item in shared:
        assert on_paper[item.seq] in screen
