"""A whole shoot day through the screens, as SHOOT-DAY.md tells it, in a real Chromium."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.e2e.ui import PINS, confirm_on_screen, done_message, p, signed_in, take_in


def test_a_wrap_count_that_differs_is_highlighted(browser: Any, module_server: Server) -> None:
    page = signed_in(browser, module_server.url, "mara")
    try:
        page.goto(p(module_server.url, "/day"))
        field = page.locator("#store-L-0001")
        field.fill("199")
        assert "discrepancy" in page.locator("#store-L-0001 + .diff").inner_text()
        assert "differs" in (field.get_attribute("class") or "")
    finally:
        page.context.close()


def test_the_armorer_runs_a_whole_shoot_day_through_the_screens(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        # register a weapon: it lands in storage with the next free tag
        page.goto(p(url, "/weapons/new"))
        page.fill("#r-name", "Colt Peacemaker (spare)")
        page.fill("#r-make", "Colt")
        page.fill("#r-model", "SAA")
        page.fill("#r-serial", "SA-77001")
        page.fill("#r-calibre", ".45 Colt")
        page.fill("#r-owner", "Sierra Prop Rentals")
        page.select_option("#r-action", "single_action_revolver")
        page.fill("#r-capacity", "6")
        page.click("main button[type=submit]")
        assert "registered" in done_message(page)
        assert "W-0006" in page.inner_text("h1")

        # receive a dummy lot and verify it round by round
        page.goto(p(url, "/ammo"))
        page.select_option("#lot-class", "dummy")
        page.fill("#lot-calibre", ".45 Colt")
        page.fill("#lot-supplier", "Mesa Dummies")
        page.fill("#lot-count", "6")
        page.select_option("#lot-container", "C-0002")
        page.click("#receive-lot button[type=submit]")
        assert "Lot received" in done_message(page)
        assert "L-0004" in page.inner_text("h1")
        page.click("#all-pass")
        page.click("#verify-form button[type=submit]")
        assert "verification" in done_message(page)

        # plan a scene that fires blanks, and hold its safety meeting
        page.goto(p(url, "/day"))
        page.click("text=Plan a scene")
        page.fill("#sc-id", "45")
        page.fill("#sc-title", "Street duel")
        page.check("#plan-form input[name=weapons][value=W-0001]")
        page.check("#plan-form input[name=performers][value=jack-hale]")
        page.check("#sc-fires")
        page.fill("#sc-distance", "30")
        page.fill("#sc-protection", "camera behind a shield")
        page.click("#plan-form button[type=submit]")
        assert "Scene plan saved" in done_message(page)
        page.click("text=Hold a safety meeting")
        page.check("#meeting-form input[name=scenes][value='45']")
        for box in page.locator("#meeting-form input[name=attendees]").all():
            box.check()
        page.click("#meeting-form button[type=submit]")
        assert "Safety meeting recorded" in done_message(page)

        # take W-0001 out and inspect it: every step, every chamber, the bore
        page.goto(p(url, "/w/W-0001"))
        page.click("text=Take out of storage")
        assert "Taken out" in done_message(page)
        page.click("a:has-text('Inspect')")
        for box in page.locator("input[name=step]").all():
            box.check()
        for i in range(6):
            page.click(f"label[for=pos-{i}-empty]")
        page.click("label[for=bore-clear]")
        page.select_option("#hammer", "down")
        page.select_option("#hammer-over", "chamber 6")
        page.click("#inspect-form button[type=submit]")
        assert "Inspection recorded" in done_message(page)
        assert "Cold" in page.inner_text(".weapon-head")

        # load five blanks for scene 45, the chamber under the hammer left empty (R25)
        page.click("a:has-text('Load')")
        page.select_option("#load-lot", "L-0001")
        page.select_option("#load-container", "C-0001")
        assert page.locator("#load-hammer").input_value() == "chamber 6"
        page.select_option("#load-scene", "45")
        page.fill("#load-take", take_in(10))
        page.click("main form button[type=submit]")
        assert "Load recorded" in done_message(page)
        assert "BLANK-LOADED" in page.inner_text(".weapon-head")
        assert "Cannot fire without a trigger pull" in page.inner_text(".fire-check")

        # hand it to Jack; Jack and Dana read what they confirm and type their PINs
        page.click("a:has-text('Hand to performer')")
        assert page.locator("#ho-weapon").input_value() == "W-0001"
        page.select_option("#ho-to", "jack-hale")
        page.click("#handover-form button[type=submit]")
        summary = page.inner_text("#confirm-summary")
        assert summary.startswith("Jack Hale receives W-0001: chambers 1-5 blank")
        assert "bore clear, inspected" in summary and "Mara Voss" in summary
        confirm_on_screen(page, ("jack-hale", PINS["jack"]), ("dana-ortiz", PINS["dana"]))
        assert "Handed over" in done_message(page)
        assert "Jack Hale" in page.inner_text(".weapon-head")

        # two blanks fired, one misfire: the screen counts the wait down (R19)
        page.click("a:has-text('Fired blanks')")
        page.check("input[name=position][value='chamber 1']")
        page.check("input[name=position][value='chamber 2']")
        page.click("main form button[type=submit]")
        assert "Fired blanks recorded" in done_message(page)
        page.click("a:has-text('Fired blanks')")
        page.select_option("#misfire-position", "chamber 3")
        page.click("text=Record misfire")
        assert "Misfire recorded" in done_message(page)
        assert "Wait" in page.inner_text("#misfire-count")
        page.click("text=Take back from Jack Hale")
        confirm_on_screen(page, ("jack-hale", PINS["jack"]))
        assert "Taken back" in done_message(page)
        page.wait_for_selector("#misfire.wait-over", timeout=60_000)

        # the misfired blank to destruction before a witness (never back into a box, R19),
        # the rest back to C-0001 with the spent cases
        page.click("a:has-text('Unload')")
        assert "chamber 3" in page.inner_text("#misfired-note")
        checked = page.locator("#unload-form input[name=position]:checked")
        assert [b.get_attribute("value") for b in checked.all()] == ["chamber 3"]
        assert page.locator("#disp-destroy").is_checked()
        page.click("#unload-form button[type=submit]")
        confirm_on_screen(page, ("priya-nair", PINS["priya"]))
        assert "Unload recorded" in done_message(page)
        page.click("a:has-text('Unload')")
        page.select_option("#unload-container", "C-0001")
        page.click("#unload-form button[type=submit]")
        assert "Unload recorded" in done_message(page)
        page.click("#bore-clear")  # two explicit buttons, neither preselected
        assert "Bore check recorded" in done_message(page)
        page.click("a:has-text('Inspect')")
        for box in page.locator("input[name=step]").all():
            box.check()
        for i in range(6):
            page.click(f"label[for=pos-{i}-empty]")
        page.click("label[for=bore-clear]")
        page.click("#inspect-form button[type=submit]")
        assert "Inspection recorded" in done_message(page)
        page.click("text=Return to storage")
        assert "Back in storage" in done_message(page)

        # wrap: count what the records expect, every serial seen, then close with Tom
        page.goto(p(url, "/day"))
        for field in page.locator("#reconcile-form input.count").all():
            field.fill(field.get_attribute("data-expected") or "")
        assert page.locator("input.count.differs").count() == 0
        for box in page.locator("#reconcile-form input[name=serial]").all():
            box.check()
        page.click("#reconcile-form button[type=submit]")
        assert "Wrap count recorded" in done_message(page)
        assert "no discrepancy" in page.inner_text("main")
        page.click("#close-form button[type=submit]")
        confirm_on_screen(page, ("tom-reyes", PINS["tom"]))
        assert "Day closed" in done_message(page)

        # the board shows every weapon back in storage
        page.goto(p(url, "/board"))
        assert page.locator(".card.weapon").count() == 6
        assert "Jack Hale" not in page.inner_text("#board")
    finally:
        page.context.close()
