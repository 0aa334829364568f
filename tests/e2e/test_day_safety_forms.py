"""Locking up, quarantine cleared, incidents and reports closed, a wrap discrepancy resolved.

The tests share one server and run in order: the incident stops work, and
the day closes with a discrepancy at the end.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Server
from tests.e2e.ui import PINS, confirm_on_screen, done_message, p, signed_in


def test_lunch_lock_up_is_refused_while_a_weapon_is_out(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/w/W-0002"))
        page.click("text=Take out of storage")
        assert "Taken out" in done_message(page)
        page.goto(p(url, "/day"))
        page.select_option("#armory-kind", "lunch")
        page.click("#armory-form button[type=submit]")
        refusal = page.inner_text("#refusal")
        assert "R09" in refusal and "W-0002 is still with Mara Voss" in refusal
        assert "Armory open" in page.inner_text(".day-state")

        page.goto(p(url, "/w/W-0002"))
        page.click("text=Return to storage")
        assert "Back in storage" in done_message(page)
        page.goto(p(url, "/day"))
        page.select_option("#armory-kind", "lunch")
        page.click("#armory-form button[type=submit]")
        assert "Armory updated" in done_message(page)
        assert "Armory locked" in page.inner_text(".day-state")
        page.select_option("#armory-kind", "unlock")
        page.click("#armory-form button[type=submit]")
        assert "Armory updated" in done_message(page)
        assert "Armory open" in page.inner_text(".day-state")
    finally:
        page.context.close()


def test_a_quarantined_weapon_is_cleared_and_its_incident_closed(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/w/W-0002"))
        page.click("text=Take out of storage")
        page.click("a:has-text('Inspect')")
        for box in page.locator("input[name=step]").all():
            box.check()
        for i in range(6):
            page.click(f"label[for=pos-{i}-empty]")
        page.click("label[for=bore-clear]")
        page.click("#inspect-form button[type=submit]")
        assert "Inspection recorded" in done_message(page)

        page.goto(p(url, "/safety"))
        page.click("summary:has-text('Open an incident')")
        page.fill("#inc-kind", "cylinder binding")
        page.select_option("#inc-severity", "stop")
        page.select_option("#inc-weapon", "W-0002")
        page.fill("#inc-description", "W-0002's cylinder binds on rotation")
        page.click("form[action$='/safety/incidents'] button[type=submit]")
        assert "Incident recorded" in done_message(page)

        page.goto(p(url, "/w/W-0002"))
        assert "QUARANTINED" in page.inner_text(".weapon-head")
        page.fill("#clear-note", "Cylinder stop spring replaced; rotation checked 20 times")
        page.click("#clear-form button[type=submit]")
        assert "Quarantine cleared" in done_message(page)
        assert "QUARANTINED" not in page.inner_text(".weapon-head")

        page.goto(p(url, "/safety"))
        incident = page.locator("li.card.incident.open")
        assert incident.count() == 1
        incident.locator("input[name=resolution]").fill("Spring replaced, weapon cleared")
        incident.locator("button[type=submit]").click()
        assert "Incident" in done_message(page)
        closed = page.inner_text("li.card.incident.closed")
        assert "Closed: Spring replaced, weapon cleared" in closed
        page.goto(p(url, "/w/W-0002"))
        page.click("text=Return to storage")
        assert "Back in storage" in done_message(page)
    finally:
        page.context.close()


def test_a_safety_report_is_answered_and_closed(browser: Any, module_server: Server) -> None:
    url = module_server.url
    jack = signed_in(browser, url, "jack")
    try:
        jack.goto(p(url, "/safety"))
        jack.click("summary:has-text('File a safety report')")
        jack.fill("#rep-text", "The shield for camera B is cracked.")
        jack.click("form[action$='/safety/reports'] button[type=submit]")
        assert "Safety report filed" in done_message(jack)
    finally:
        jack.context.close()
    priya = signed_in(browser, url, "priya")
    try:
        priya.goto(p(url, "/safety"))
        report = priya.locator("li.card.report:has-text('camera B')")
        assert "Jack Hale" in report.inner_text()
        report.locator("input[name=response]").fill("New shield from the grip truck before 41")
        report.locator("button[type=submit]").click()
        done_message(priya)
        answered = priya.inner_text("li.card.report:has-text('camera B')")
        assert "answered" in answered and "Answer: New shield" in answered
    finally:
        priya.context.close()


def test_a_wrap_discrepancy_is_closed_and_resolved_with_the_producer(
    browser: Any, module_server: Server
) -> None:
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/day"))
        for field in page.locator("#reconcile-form input.count").all():
            expected = field.get_attribute("data-expected") or "0"
            field.fill(expected)
        page.fill("#store-L-0003", "99")  # one blank is missing
        for box in page.locator("#reconcile-form input[name=serial]").all():
            box.check()
        page.click("#reconcile-form button[type=submit]")
        assert "Wrap count recorded" in done_message(page)
        assert "L-0003" in page.inner_text(".discrepancies")

        page.click("#close-form button[type=submit]")
        confirm_on_screen(page, ("tom-reyes", PINS["tom"]))
        assert "Day closed" in done_message(page)
        assert "closed with discrepancy" in page.inner_text(".day-state")

        page.fill("#res-text", "The missing blank was found in the cart drawer and logged back")
        page.click("#resolve-form button[type=submit]")
        confirm_on_screen(page, ("tom-reyes", PINS["tom"]))
        assert "Discrepancy resolved" in done_message(page)
        assert "found in the cart drawer" in page.inner_text("main")
    finally:
        page.context.close()
