"""Weapon photos in a real browser (issue 18, part 5): the weapon page's camera input posts
the photo without any script, the image loads for a member (the page's CSP and the session
cookie allow it), and the weapon page and handover screen are captured at phone and tablet
size for review (tests/e2e/screenshots/photo-*.png)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.e2e.ui import (
    PHONE,
    SCREENSHOTS,
    TABLET,
    done_message,
    p,
    signed_in,
    small_targets,
    unlabelled,
)
from tests.photos import png


@pytest.fixture(scope="module")
def photographed(
    browser: Any, module_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Server:
    """W-0001 photographed from its weapon page, in a browser with JavaScript off."""
    url = module_server.url
    photo = tmp_path_factory.mktemp("photo") / "w-0001.png"
    photo.write_bytes(png(480, 300))
    context = browser.new_context(viewport=TABLET, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(url + "/signin")
        page.fill("#login", "mara")
        page.fill("#password", "dry-gulch-demo")
        page.click("main button[type=submit]")
        page.goto(p(url, "/w/W-0001"))
        assert page.get_attribute("#photo-file", "capture") == "environment"
        page.click("#photo-box summary")
        page.set_input_files("#photo-file", str(photo))
        page.fill("#photo-note", "left side, serial visible")
        page.click("#photo-form button[type=submit]")
        assert "Photo recorded" in done_message(page)
    finally:
        context.close()
    return module_server


def _loaded(page: Any, selector: str) -> bool:
    return bool(page.evaluate(f"document.querySelector({selector!r}).naturalWidth > 0"))


@pytest.mark.parametrize("size", ["phone", "tablet"])
def test_the_weapon_page_and_handover_show_the_photo_at_phone_and_tablet_size(
    browser: Any, photographed: Server, size: str
) -> None:
    url = photographed.url
    SCREENSHOTS.mkdir(exist_ok=True)
    page = signed_in(browser, url, "mara", PHONE if size == "phone" else TABLET)
    try:
        for name, path in (("weapon", "/w/W-0001"), ("handover", "/handover?weapon=W-0001")):
            response = page.goto(p(url, path))
            assert response is not None and response.status == 200
            page.wait_for_selector("#weapon-photo img")
            page.wait_for_function("document.querySelector('#weapon-photo img').complete")
            assert _loaded(page, "#weapon-photo img"), f"the photo did not load on {name}"
            caption = page.inner_text("#weapon-photo figcaption")
            assert "by Mara Voss, sha256" in caption and "left side, serial visible" in caption
            page.screenshot(path=str(SCREENSHOTS / f"photo-{name}-{size}.png"), full_page=True)
            assert not unlabelled(page), unlabelled(page)
            assert not small_targets(page), small_targets(page)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} is wider than the {size} screen"
    finally:
        page.context.close()


def test_the_photo_is_not_shown_to_a_browser_without_a_session(
    browser: Any, photographed: Server
) -> None:
    mara = signed_in(browser, photographed.url, "mara")
    try:
        mara.goto(p(photographed.url, "/w/W-0001"))
        src = mara.get_attribute("#weapon-photo img", "src")
    finally:
        mara.context.close()
    assert src and src.startswith("/api/v1/productions/dry-gulch/weapons/W-0001/photo/")
    stranger = browser.new_context()
    try:
        response = stranger.new_page().goto(photographed.url + src)
        assert response is not None and response.status == 401
    finally:
        stranger.close()
