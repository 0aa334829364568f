"""A real shoot day at its edges (issue 14), in Chromium at phone and tablet size.

Starting a show, dropped Wi-Fi, a session that ends mid-day, forms that keep what was
typed, times in the production's zone, a screen for every role, pictures, small things.
Scanning has its own module (a fake camera): test_scanning.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import Server, start_server
from tests.e2e.ui import (
    PASSWORD,
    PHONE,
    PINS,
    SCREENSHOTS,
    TABLET,
    confirm_on_screen,
    done_message,
    p,
    signed_in,
    take_in,
)

CHECKLIST_SAA = ["half cock", "open gate", "rotate through every chamber", "bore"]


def shoot(page: Any, name: str) -> None:
    """Save the screen at phone and at tablet size (the viewport is left at tablet)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    for size, viewport in (("phone", PHONE), ("tablet", TABLET)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)
        page.screenshot(path=str(SCREENSHOTS / f"edges-{name}-{size}.png"), full_page=True)


def api(server: Server, login: str) -> httpx.Client:
    r = httpx.post(f"{server.url}/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return httpx.Client(
        base_url=f"{server.url}/api/v1/productions/dry-gulch/commands",
        headers={"Authorization": f"Bearer {r.json()['token']}"},
        timeout=30,
    )


def command(client: httpx.Client, name: str, body: dict[str, Any]) -> None:
    r = client.post(f"/{name}", json=body)
    assert r.status_code == 200, r.text


def out_and_inspected(client: httpx.Client, weapon: str = "W-0001") -> None:
    command(client, "take-out-of-storage", {"weapon": weapon})
    command(
        client,
        "inspect-weapon",
        {
            "weapon": weapon,
            "bore": "clear",
            "checklist": CHECKLIST_SAA,
            "findings": [{"position": f"chamber {i}", "found": "empty"} for i in range(1, 7)],
            "hammer": "down",
            "hammer_over": "chamber 6",
        },
    )


def ensure_out_and_inspected(server: Server, weapon: str) -> None:
    with api(server, "mara") as client:
        where = client.get(f"{server.url}/api/v1/productions/dry-gulch/weapons/{weapon}").json()
        if where["location"] == "storage" or not where["inspection_valid"]:
            if where["location"] == "storage":
                command(client, "take-out-of-storage", {"weapon": weapon})
            command(
                client,
                "inspect-weapon",
                {
                    "weapon": weapon,
                    "bore": "clear",
                    "checklist": CHECKLIST_SAA,
                    "findings": [
                        {"position": f"chamber {i}", "found": "empty"} for i in range(1, 7)
                    ],
                    "hammer": "down",
                    "hammer_over": "chamber 6",
                },
            )


def context_page(browser: Any, url: str, login: str, viewport: dict[str, int]) -> Any:
    page = signed_in(browser, url, login, viewport)
    return page


# -- 1. start your own show ------------------------------------------------------------------


def test_a_new_production_is_started_from_the_productions_screen(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "tom")
    try:
        page.goto(f"{url}/productions")
        expect(page.locator("#ca-fingerprint")).to_contain_text(":")  # how to trust HTTPS
        page.click("#new-production summary")
        page.fill("#np-title", "Red Mesa")
        page.fill("#np-company", "Mesa Pictures")
        page.fill("#np-zone", "Mars/Olympus")
        # one role that checks others for the creator (issue 19): the armorer, not the producer
        page.uncheck("#np-role-producer")
        page.check("#np-role-armorer")
        page.click("#new-production-form button[type=submit]")
        assert "not a time zone" in page.inner_text("#refusal")
        # everything typed and ticked is still there, the section still open
        assert page.locator("#np-title").input_value() == "Red Mesa"
        assert page.locator("#np-role-armorer").is_checked()
        assert not page.locator("#np-role-producer").is_checked()
        assert page.locator("#new-production").get_attribute("open") is not None
        shoot(page, "new-production-refused")
        page.fill("#np-zone", "America/Phoenix")
        page.click("#new-production-form button[type=submit]")
        assert "Production started" in done_message(page)
        assert page.url.endswith("/p/red-mesa/board?ok=created")
        needed = page.inner_text("#still-needed")
        assert "Tom Reyes: record a current armorer permit (R26)" in needed
        assert "A 1st AD" in needed and "Performers" in needed
        expect(page.locator("#strip-conn")).to_have_text("Connected")
        shoot(page, "new-production-board")
    finally:
        page.context.close()


# -- 2. never silently stale -------------------------------------------------------------------


def test_dropped_wifi_is_said_and_no_alert_is_lost_across_the_reconnect(
    browser: Any, demo_server: Server
) -> None:
    url = demo_server.url
    cart = context_page(browser, url, "mara", TABLET)
    phone = context_page(browser, url, "priya", PHONE)
    try:
        cart.goto(p(url, "/day"))
        expect(cart.locator("#strip-conn")).to_have_text("Connected")
        expect(cart.locator("#strip-age")).to_contain_text("updated")
        cart.context.set_offline(True)
        expect(cart.locator("#strip-conn")).to_contain_text("Offline since")
        expect(cart.locator("#strip-conn")).to_contain_text("states may be out of date")
        # an action that cannot be sent says so on the page and keeps what was typed
        cart.click("#plan-box summary")
        cart.fill("#sc-id", "52")
        cart.fill("#sc-title", "Barn fight")
        cart.check("#plan-form input[name=weapons][value=W-0003]")
        cart.click("#plan-form button[type=submit]")
        expect(cart.locator("#plan-form .not-sent")).to_contain_text("Not sent")
        assert cart.url.endswith("/p/dry-gulch/day")
        assert cart.locator("#sc-title").input_value() == "Barn fight"
        assert cart.locator("#plan-form input[value=W-0003]").is_checked()
        shoot(cart, "offline-not-sent")
        # meanwhile work stops on another screen
        phone.goto(p(url, "/safety"))
        phone.fill("#stop-reason", "Smoke in the barn")
        phone.click("#stop-form button[type=submit]")
        assert "STOP WORK called" in done_message(phone)
        shoot(phone, "stop-work-called")
        assert cart.locator("#stop-work-banner").is_hidden()
        # back online: the stream reconnects with its last id and gets the stop-work it missed
        cart.context.set_offline(False)
        expect(cart.locator("#stop-work-banner")).to_be_visible(timeout=15_000)
        expect(cart.locator("#stop-work-reason")).to_contain_text("Smoke in the barn")
        expect(cart.locator("#strip-conn")).to_have_text("Connected")
        expect(cart.locator("#strip-stop")).to_contain_text("STOP WORK since")
        shoot(cart, "reconnected")
        cart.click("#plan-form button[type=submit]")
        assert "Scene plan saved" in done_message(cart)
    finally:
        cart.context.close()
        phone.context.close()


# -- 3. sessions that fit a shoot day ----------------------------------------------------------


@pytest.fixture
def short_sessions(demo_copy: Any) -> Iterator[Server]:
    """A server whose page sessions last 14.4 seconds (resumable by PIN for as long again)."""
    server = start_server(demo_copy, env={"COLDCHECK_SESSION_HOURS": "0.004"})
    try:
        yield server
    finally:
        server.stop()


def test_a_session_that_ends_mid_handover_is_resumed_by_pin_with_the_form_kept(
    browser: Any, short_sessions: Server
) -> None:
    url = short_sessions.url
    with api(short_sessions, "mara") as mara_api:
        out_and_inspected(mara_api, "W-0001")
    cart = context_page(browser, url, "mara", TABLET)
    try:
        cart.goto(p(url, "/handover?weapon=W-0001"))
        cart.select_option("#ho-to", "jack-hale")
        # the session ends: the screen says so (never a sign-in page inside the form)
        expect(cart.locator("#trouble")).to_contain_text(
            "Your session ended — sign in again", timeout=30_000
        )
        assert cart.locator("#handover-weapon #login").count() == 0
        cart.fill("#ho-weapon", "W-1")
        cart.dispatch_event("#ho-weapon", "change")  # a lookup: answered 401, not swapped in
        cart.wait_for_timeout(400)
        assert cart.locator("#handover-weapon #login").count() == 0
        cart.fill("#ho-weapon", "W-0001")
        cart.click("#handover-form button[type=submit]")
        expect(cart.locator("#handover-form .not-sent")).to_contain_text("session ended")
        shoot(cart, "session-ended")
        cart.click("#trouble-signin")
        expect(cart.locator("#resume-form")).to_contain_text("Resume as Mara Voss")
        shoot(cart, "resume-by-pin")
        cart.fill("#resume-pin", PINS["mara"])
        cart.click("#resume-form button[type=submit]")
        # back on the same screen, with what was chosen
        expect(cart.locator("p.done")).to_contain_text("Signed in again")
        assert "/p/dry-gulch/handover" in cart.url
        assert cart.locator("#ho-to").input_value() == "jack-hale"
        cart.click("#handover-form button[type=submit]")
        # a confirmation is never carried over: the performer ticks it and types the PIN anew
        cart.wait_for_selector("#confirm-form")
        assert not cart.locator("#confirm-pledge-0").is_checked()
        assert cart.locator("#confirm-pin-0").input_value() == ""
        confirm_on_screen(cart, ("jack-hale", PINS["jack"]), ("dana-ortiz", PINS["dana"]))
        assert "Handed over" in done_message(cart)
    finally:
        cart.context.close()
    # on Jack's phone: what he holds, and to whom he gives it back
    jack = context_page(browser, url, "jack", PHONE)
    try:
        jack.goto(p(url, "/mine"))
        held = jack.inner_text("#held + ul")
        assert "W-0001" in held and "Give it back to Mara Voss" in held
        assert "41 (Saloon standoff)" in held
        shoot(jack, "performer-holds")
    finally:
        jack.context.close()


# -- 4. forms keep everything, 5. times in the production's zone -------------------------------


def test_refused_forms_keep_ticks_and_open_sections_and_say_local_times(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/day"))
        page.click("#plan-box summary")
        page.fill("#sc-id", "60")
        page.fill("#sc-title", "Close shot at the well")
        page.check("#plan-form input[name=weapons][value=W-0001]")
        page.check("#plan-form input[name=performers][value=jack-hale]")
        page.check("#sc-fires")
        page.check("#sc-points")
        page.fill("#sc-distance", "5")
        page.click("#plan-form button[type=submit]")
        assert "R18" in page.inner_text("#refusal")
        assert page.locator("#plan-box").get_attribute("open") is not None
        for box in ("input[name=weapons][value=W-0001]", "input[name=performers][value=jack-hale]"):
            assert page.locator(f"#plan-form {box}").is_checked()
        assert page.locator("#sc-fires").is_checked() and page.locator("#sc-points").is_checked()
        shoot(page, "scene-plan-refused")
        page.goto(p(url, "/day"))
        page.click("#meeting-box summary")
        page.check("#meeting-form input[name=scenes][value='41']")
        page.fill("#m-notes", "Walk-through with stunts")
        page.click("#meeting-form button[type=submit]")
        assert "R17" in page.inner_text("#refusal")
        assert page.locator("#meeting-box").get_attribute("open") is not None
        assert page.locator("#meeting-form input[name=scenes][value='41']").is_checked()
        assert page.locator("#m-notes").input_value() == "Walk-through with stunts"
        shoot(page, "meeting-refused")
        # the load form offers a take time, and R13 speaks the production's zone
        ensure_out_and_inspected(module_server, "W-0001")
        page.goto(p(url, "/w/W-0001/load"))
        assert page.locator("#load-take").input_value()  # a default take time
        page.select_option("#load-lot", "L-0001")
        page.select_option("#load-container", "C-0001")
        page.select_option("#load-scene", "41")
        page.fill("#load-take", take_in(45))
        page.click("main form button[type=submit]")
        r13 = page.inner_text("#refusal")
        assert f"the take is at {take_in(45)} (America/Denver)" in r13 and "UTC" not in r13
        assert page.locator("#load-lot").input_value() == "L-0001"
        shoot(page, "load-refused-local-time")
    finally:
        page.context.close()


# -- 7. screens for every role, 8. pictures ---------------------------------------------------


def test_each_role_sees_its_own_screen_and_only_its_buttons(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    for login, section, words in (
        ("dana", "#today", "Today's scenes"),
        ("priya", "#incidents", "Open incidents"),
    ):
        page = signed_in(browser, url, login, PHONE)
        try:
            page.goto(p(url, "/mine"))
            assert words in page.inner_text(section)
            assert page.locator("#safety-links").count() == 1
            page.goto(p(url, "/w/W-0003"))
            steps = page.inner_text("#next-steps")
            assert "Take out of storage" not in steps and "Unplanned discharge" in steps
            page.goto(p(url, "/day"))  # the wrap and the armory are the armorer's
            assert page.locator("#reconcile-form, #armory-form, #wrap-lock-form").count() == 0
            page.goto(p(url, "/mine"))
            shoot(page, f"for-you-{login}")
        finally:
            page.context.close()
    # the handover lists performers only, and preselects the one the plan gives it to
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/handover?weapon=W-0001"))
        names = page.locator("#ho-to option").all_inner_texts()
        assert "Mara Voss" not in names and "Eli Tran" not in names and "Jack Hale" in names
        assert page.locator("#ho-to").input_value() == "jack-hale"
        shoot(page, "handover-preselected")
    finally:
        page.context.close()


def test_pictures_tap_to_inspect_and_load_bars_lanes_and_takes(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/w/W-0003"))
        page.click("text=Take out of storage")
        page.click("a:has-text('Inspect')")
        spots = page.locator("#tap-drawing g.tap")
        assert spots.count() == 11  # the Winchester's tube 1-10 and its chamber
        spots.nth(0).click()
        assert page.locator("#pos-0-empty").is_checked()
        spots.nth(0).click()
        assert page.locator("#pos-0-dummy").is_checked()
        assert "pos-dummy" in (spots.nth(0).get_attribute("class") or "")
        for i in range(1, 11):
            spots.nth(i).click()
        spots.nth(0).click()  # blank
        for _ in range(4):
            spots.nth(0).click()  # spent, live, unknown, back to empty
        assert page.locator("#pos-0-empty").is_checked()
        shoot(page, "inspect-tap")
        for box in page.locator("input[name=step]").all():
            box.check()
        page.click("label[for=bore-clear]")
        page.click("#inspect-form button[type=submit]")
        assert "Inspection recorded" in done_message(page)
        page.click("a:has-text('Load')")
        first = page.locator("#tap-drawing g.tap").nth(0)
        box = page.locator("input[name=position]").nth(0)
        before = box.is_checked()
        first.click()
        assert box.is_checked() is not before
        shoot(page, "load-tap")
        # a blank load for the take: the day's takes chart, the weapon's swim-lane, lot bars
        ensure_out_and_inspected(module_server, "W-0001")
        with api(module_server, "mara") as mara_api:
            command(mara_api, "return-to-storage", {"weapon": "W-0003"})
            r = mara_api.post(
                "/load-weapon",
                json={
                    "weapon": "W-0001",
                    "container": "C-0001",
                    "loads": [{"position": f"chamber {i}", "lot": "L-0001"} for i in (1, 2)],
                    "scene": "41",
                    "take_at": (datetime.now(UTC) + timedelta(minutes=10)).isoformat(),
                    "hammer_over": "chamber 6",
                },
            )
            assert r.status_code == 200, r.text
        page.goto(p(url, "/day"))
        assert "scene 41 W-0001: loaded" in (
            page.locator("#takes-chart > title").text_content() or ""
        )
        shoot(page, "takes")
        page.goto(p(url, "/w/W-0001"))
        lane = page.locator("#lanes-chart")
        assert "armorer Mara Voss" in (lane.locator("title").first.text_content() or "")
        assert lane.locator("circle.mark-load").count() == 1
        shoot(page, "weapon-lanes")
        page.goto(p(url, "/ammo"))
        bar = page.locator("[data-lot=L-0001] svg.lot-bar")
        assert "2 in weapons" in (bar.locator("title").first.text_content() or "")
        assert page.locator("table.data").count() == 0  # no ten-column table on a phone
        shoot(page, "ammo-bars")
    finally:
        page.context.close()


# -- 10. small things --------------------------------------------------------------------------


def test_small_things_bore_buttons_short_tags_green_matches_blind_count_wrap_steps(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/w/w-2"))  # a short tag finds W-0002
        assert "W-0002" in page.inner_text("h1")
        page.click("text=Take out of storage")
        clear, obstructed = page.locator("#bore-clear"), page.locator("#bore-obstructed")
        assert clear.is_visible() and obstructed.is_visible()
        assert page.locator("#bore-form select, #bore-form input[type=radio]").count() == 0
        shoot(page, "bore-buttons")
        page.click("text=Return to storage")
        page.goto(p(url, "/board"))
        page.fill("#f-q", "4")
        expect(page.locator(".card.weapon")).to_have_count(1)
        assert "W-0004" in page.inner_text("#board")
        page.goto(p(url, "/day"))
        assert page.locator("#wrap-steps li").count() == 3
        field = page.locator("#store-L-0002")
        field.fill(field.get_attribute("data-expected") or "")
        note = page.locator("#store-L-0002 + .diff")
        assert note.inner_text() == "matches"
        assert note.evaluate("n => getComputedStyle(n).color") == "rgb(11, 110, 47)"
        page.locator("#store-L-0003").fill("1")
        assert (
            page.locator("#store-L-0003 + .diff").evaluate("n => getComputedStyle(n).color")
            == "rgb(176, 0, 32)"
        )
        shoot(page, "wrap-steps")
        page.click("#blind-count")
        assert "Expected in store" not in page.inner_text("#reconcile-form")
        assert page.locator("#reconcile-form [data-expected]").count() == 0
        shoot(page, "blind-count")
    finally:
        page.context.close()
