"""A real Chromium signs in to the demo and sees the production."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server


def test_signing_in_shows_the_demo_production_board(browser: Any, module_server: Server) -> None:
    page = browser.new_page(viewport={"width": 768, "height": 1024})
    try:
        page.goto(module_server.url + "/")
        assert page.title().startswith("Sign in")
        page.fill("#login", "mara")
        page.fill("#password", "dry-gulch-demo")
        page.click("button[type=submit]")
        page.wait_for_selector("#board")
        assert "Dry Gulch" in page.inner_text(".production-name")
        assert "Weapons board" in page.inner_text("h1")
        assert page.locator(".card.weapon").count() == 5
    finally:
        page.close()


def test_wrong_password_keeps_you_on_the_sign_in_page(browser: Any, module_server: Server) -> None:
    page = browser.new_page()
    try:
        page.goto(module_server.url + "/signin")
        page.fill("#login", "mara")
        page.fill("#password", "not-the-password")
        page.click("button[type=submit]")
        assert "Login or password is wrong" in page.inner_text("p.error")
    finally:
        page.close()
