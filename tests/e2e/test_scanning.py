"""Scan QR labels in Chromium without BarcodeDetector: the vendored jsQR decoder reads a fake
camera (a .y4m video made from a segno QR code) and photos of labels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from playwright.sync_api import expect

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, Server
from tests.e2e.test_shoot_day_edges import ensure_out_and_inspected, shoot
from tests.e2e.ui import PASSWORD, TABLET, p

NO_DETECTOR = "try { delete window.BarcodeDetector; } catch (e) {}"


def y4m(text: str, path: Path, width: int = 320, height: int = 240, frames: int = 6) -> Path:
    """A grey-scale YUV4MPEG2 video of the QR code of ``text``, for Chromium's fake camera."""
    rows = list(segno.make(text, error="m").matrix_iter(scale=6, border=4))
    size = len(rows)
    top, left = (height - size) // 2, (width - size) // 2
    luma = bytearray(b"\xc8" * (width * height))
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            luma[(top + y) * width + left + x] = 16 if dark else 235
    chroma = b"\x80" * (width // 2 * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + bytes(luma) + chroma + chroma)
    return path


def label_png(text: str, path: Path) -> Path:
    segno.make(text, error="m").save(str(path), scale=8, border=4)
    return path


@pytest.fixture(scope="module")
def camera_browser(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium whose camera shows the label of W-0001 of Dry Gulch (same Playwright)."""
    video = y4m("coldcheck:dry-gulch/W-0001", tmp_path_factory.mktemp("cam") / "label.y4m")
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
    try:
        yield b
    finally:
        b.close()


def signed_in_page(browser: Any, url: str, login: str = "mara") -> Any:
    context = browser.new_context(viewport=TABLET, permissions=["camera"])
    context.add_init_script(NO_DETECTOR)
    page = context.new_page()
    page.goto(url + "/signin")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#board")
    return page


def test_the_handover_scans_a_label_with_the_camera_through_the_vendored_decoder(
    camera_browser: Any, module_server: Server
) -> None:
    page = signed_in_page(camera_browser, module_server.url)
    try:
        page.goto(p(module_server.url, "/handover"))
        assert page.evaluate("'BarcodeDetector' in window") is False
        page.click("#scan-button")
        expect(page.locator("#scan-message")).to_contain_text("Scanned W-0001", timeout=15_000)
        assert page.locator("#ho-weapon").input_value() == "W-0001"
        expect(page.locator("#handover-weapon")).to_contain_text("Colt Single Action Army")
        assert page.evaluate("typeof window.jsQR") == "function"  # served by the app
        shoot(page, "scan-camera")
    finally:
        page.context.close()


def test_photos_of_labels_fill_lots_and_boxes_and_a_label_of_another_show_is_refused(
    browser: Any, module_server: Server, tmp_path: Path
) -> None:
    url = module_server.url
    page = signed_in_page(browser, url)  # no camera in this browser: photos of the labels
    try:
        page.goto(p(url, "/handover"))
        page.click("#scan-button")
        expect(page.locator("#scan-status")).to_contain_text("photo of the label")
        other = label_png(f"{url}/p/red-mesa/w/W-0001", tmp_path / "other.png")
        page.set_input_files("#scan-photo", str(other))
        expect(page.locator("#scan-message")).to_contain_text("belongs to another production")
        assert page.locator("#ho-weapon").input_value() == ""
        shoot(page, "scan-other-production")
        # the load form: the lot and the box from their labels (page addresses by default)
        ensure_out_and_inspected(module_server, "W-0001")
        page.goto(p(url, "/w/W-0001/load"))
        page.click("button[data-scan-target=load-lot]")
        page.set_input_files(
            "#scan-photo", str(label_png(f"{url}/p/dry-gulch/ammo/L-0002", tmp_path / "l.png"))
        )
        expect(page.locator("#scan-message")).to_contain_text("Scanned L-0002")
        assert page.locator("#load-lot").input_value() == "L-0002"
        page.click("button[data-scan-target=load-container]")
        page.set_input_files(
            "#scan-photo", str(label_png("coldcheck:dry-gulch/L-0001", tmp_path / "x.png"))
        )
        expect(page.locator("#scan-message")).to_contain_text("scan the container's label")
        page.set_input_files(
            "#scan-photo", str(label_png(f"{url}/p/dry-gulch/c/C-0002", tmp_path / "c.png"))
        )
        expect(page.locator("#scan-message")).to_contain_text("Scanned C-0002")
        assert page.locator("#load-container").input_value() == "C-0002"
        shoot(page, "scan-load")
        # the inspection checks the weapon in hand is the one on screen
        page.goto(p(url, "/w/W-0001/inspect"))
        page.click("button[data-scan-check]")
        page.set_input_files(
            "#scan-photo", str(label_png(f"{url}/p/dry-gulch/w/W-0002", tmp_path / "w2.png"))
        )
        expect(page.locator("#scan-message")).to_contain_text("this screen is for W-0001")
        shoot(page, "scan-inspect-wrong-weapon")
        # the ammunition screen opens a box from its label
        page.goto(p(url, "/ammo"))
        page.click("button[data-scan-go]")
        page.set_input_files(
            "#scan-photo", str(label_png(f"{url}/p/dry-gulch/c/C-0003", tmp_path / "c3.png"))
        )
        page.wait_for_url("**/ammo#C-0003")
    finally:
        page.context.close()
