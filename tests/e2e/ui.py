"""Helpers for the browser tests: sign in, the two screen sizes, label and contrast checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PRODUCTION = "dry-gulch"
PASSWORD = "dry-gulch-demo"
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).with_name("screenshots")
PINS = {
    "mara": "2468",
    "eli": "1357",
    "dana": "3690",
    "jack": "1212",
    "rosa": "3434",
    "tom": "9090",
    "priya": "7878",
}


def signed_in(browser: Any, url: str, login: str, viewport: dict[str, int] = TABLET) -> Any:
    """A page in a fresh browser context, signed in as ``login``, on the board."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url + "/signin")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#board, #for-you")  # armorers land on the board, others on theirs
    if not page.locator("#board").count():
        page.goto(f"{url}/p/{PRODUCTION}/board")
        page.wait_for_selector("#board")
    return page


def p(url: str, path: str = "") -> str:
    """The address of a demo production page."""
    return f"{url}/p/{PRODUCTION}{path}"


def take_in(minutes: int) -> str:
    """HH:MM in the demo's time zone, ``minutes`` from now (for a take time)."""
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    return at.astimezone(ZoneInfo("America/Denver")).strftime("%H:%M")


def confirm_on_screen(page: Any, *people: tuple[str, str]) -> None:
    """On the confirmation screen, each slot in order: choose the person (when there is a
    choice), tick the pledge (when there is one), type their PIN; then confirm."""
    refusal = page.locator("#refusal")
    if refusal.count() and not page.locator("#confirm-form").count():
        raise AssertionError("refused before confirming: " + refusal.inner_text())
    page.wait_for_selector("#confirm-form")
    assert page.inner_text("#confirm-summary")
    for i, (person, pin) in enumerate(people):
        choice = page.locator(f"select#confirm-person-{i}")
        if choice.count():
            choice.select_option(person)
        else:
            assert page.locator(f"#confirm-person-{i}").get_attribute("value") == person
        pledge = page.locator(f"#confirm-pledge-{i}")
        if pledge.count():
            pledge.check()
        page.fill(f"#confirm-pin-{i}", pin)
    page.click("#confirm-form button[type=submit]")


def done_message(page: Any) -> str:
    """The success line shown after a redirect (fails loudly with the refusal if refused)."""
    refusal = page.locator("#refusal")
    if refusal.count():
        raise AssertionError("refused: " + refusal.inner_text())
    return str(page.inner_text("p.done"))


UNLABELLED_JS = """
() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden')
  .filter(el => {
    if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
    if (el.id && document.querySelector('label[for="' + el.id + '"]')) return false;
    return !el.closest('label');
  })
  .map(el => el.outerHTML.slice(0, 120))
"""

SMALL_TARGETS_JS = """
() => Array.from(document.querySelectorAll(
    'main button, main .btn, main select, main input:not([type=hidden]), nav a'))
  .filter(el => el.offsetParent !== null)
  .filter(el => {
    const r = el.getBoundingClientRect();
    if (el.type === 'checkbox' || el.type === 'radio') return false;
    return r.height < 36;
  })
  .map(el => el.outerHTML.slice(0, 100))
"""


def unlabelled(page: Any) -> list[str]:
    """Every visible form control without a label."""
    return list(page.evaluate(UNLABELLED_JS))


def small_targets(page: Any) -> list[str]:
    """Visible controls shorter than 36 px (the CSS aims at 48)."""
    return list(page.evaluate(SMALL_TARGETS_JS))


def _channel(c: float) -> float:
    c = c / 255
    return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance."""
    r, g, b = (_channel(x) for x in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def rgb(css: str) -> tuple[int, int, int]:
    """'rgb(11, 110, 47)' → (11, 110, 47)."""
    parts = css[css.index("(") + 1 : css.index(")")].split(",")
    r, g, b = (int(float(x)) for x in parts[:3])
    return r, g, b
