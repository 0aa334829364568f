"""Every screen at phone and tablet size: screenshots for review, labels, targets, contrast."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.ui import (
    PHONE,
    SCREENSHOTS,
    TABLET,
    contrast,
    done_message,
    p,
    rgb,
    signed_in,
    small_targets,
    take_in,
    unlabelled,
)

SCREENS = {
    "board": "/board",
    "weapon": "/w/W-0001",
    "weapon-pistol": "/w/W-0004",
    "label": "/w/W-0001/label",
    "inspect": "/w/W-0002/inspect",
    "load": "/w/W-0001/load",
    "unload": "/w/W-0001/unload",
    "fire": "/w/W-0001/fire",
    "discharge": "/w/W-0001/discharge",
    "handover": "/handover?weapon=W-0001",
    "register": "/weapons/new",
    "ammo": "/ammo",
    "lot": "/ammo/L-0002",
    "day": "/day",
    "safety": "/safety",
    "people": "/people",
}
STATES = ("cold", "dummy-loaded", "blank-loaded", "unverified", "quarantined")


@pytest.fixture(scope="module")
def blank_loaded(browser: Any, module_server: Server) -> Server:
    """W-0001 inspected and loaded with blanks for scene 41, so the drawing has colour."""
    url = module_server.url
    page = signed_in(browser, url, "mara")
    try:
        page.goto(p(url, "/w/W-0001"))
        page.click("text=Take out of storage")
        page.click("a:has-text('Inspect')")
        for box in page.locator("input[name=step]").all():
            box.check()
        for i in range(6):
            page.click(f"label[for=pos-{i}-empty]")
        page.click("label[for=bore-clear]")
        page.select_option("#hammer", "down")
        page.select_option("#hammer-over", "chamber 6")
        page.click("#inspect-form button[type=submit]")
        page.click("a:has-text('Load')")
        page.select_option("#load-lot", "L-0001")
        page.select_option("#load-container", "C-0001")
        page.select_option("#load-scene", "41")
        page.fill("#load-take", take_in(10))
        page.click("main form button[type=submit]")
        assert "Load recorded" in done_message(page)
        page.goto(p(url, "/w/W-0002"))
        page.click("text=Take out of storage")
    finally:
        page.context.close()
    return module_server


@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_every_screen_has_labelled_inputs_and_big_targets(
    browser: Any, blank_loaded: Server, size: str
) -> None:
    url = blank_loaded.url
    SCREENSHOTS.mkdir(exist_ok=True)
    page = signed_in(browser, url, "mara", PHONE if size == "phone" else TABLET)
    problems: dict[str, list[str]] = {}
    try:
        for name, path in SCREENS.items():
            response = page.goto(p(url, path))
            assert response is not None and response.status == 200, name
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
            missing = unlabelled(page)
            small = small_targets(page)
            if missing or small:
                problems[name] = missing + small
        anonymous = browser.new_context(viewport=PHONE if size == "phone" else TABLET)
        try:
            for name, path in (("report", "/report/dry-gulch"), ("signin", "/signin")):
                other = anonymous.new_page()
                other.goto(url + path)
                other.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
                if unlabelled(other):
                    problems[name] = unlabelled(other)
        finally:
            anonymous.close()
        # nothing wider than the screen on a phone
        if size == "phone":
            for name, path in SCREENS.items():
                page.goto(p(url, path))
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 2:
                    problems.setdefault(name, []).append(f"{overflow}px wider than the screen")
    finally:
        page.context.close()
    assert problems == {}


def test_state_colours_pass_wcag_aa_with_white_text(browser: Any, blank_loaded: Server) -> None:
    page = signed_in(browser, blank_loaded.url, "mara")
    try:
        ratios = {}
        for label in STATES:
            colours = page.evaluate(
                """(label) => {
                    const el = document.createElement('span');
                    el.className = 'state-pill state-' + label;
                    el.textContent = label;
                    document.querySelector('main').appendChild(el);
                    const s = getComputedStyle(el);
                    return [s.backgroundColor, s.color];
                }""",
                label,
            )
            background, text = (rgb(c) for c in colours)
            assert text == (255, 255, 255), label
            ratios[label] = round(contrast(background, text), 2)
        assert all(r >= 4.5 for r in ratios.values()), ratios
        # and the board says the state in words as well as colour
        cards = page.locator(".card.weapon")
        assert cards.count() == 5
        words = page.inner_text("#board")
        assert "BLANK-LOADED" in words and "Unverified" in words
    finally:
        page.context.close()


def test_the_board_filters_and_updates_live(browser: Any, blank_loaded: Server) -> None:
    url = blank_loaded.url
    board = signed_in(browser, url, "dana")
    mara = signed_in(browser, url, "mara")
    try:
        cards = board.locator(".card.weapon")
        board.select_option("#f-state", "blank-loaded")
        expect(cards).to_have_count(1)
        assert "W-0001" in board.inner_text("#board")
        board.select_option("#f-state", "")
        board.fill("#f-q", "winchester")
        expect(cards).to_have_count(1)
        board.fill("#f-q", "")
        expect(cards).to_have_count(5)
        # a change made on another device shows up without reloading (CSP forbids eval,
        # so the waits use locators)
        mara.goto(p(url, "/w/W-0003"))
        mara.click("text=Take out of storage")
        expect(board.locator("[data-tag='W-0003']")).to_contain_text("Mara Voss", timeout=30_000)
    finally:
        board.context.close()
        mara.context.close()
