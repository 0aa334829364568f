"""Issue 14 without a browser: starting a production (API, CLI), the cart's HTTPS, clean
session-ended answers, and a daily log, custody report and bundle that tell the truth."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.model import LotCount
from coldcheck.entrypoints.http import create_app
from coldcheck.service.daily import daily_report
from coldcheck.service.queries import TimelineItem
from coldcheck.service.reports import custody_report, label_items
from tests.conftest import COLDCHECK, free_port, run_cli
from tests.factories import DAWN, DAY, L1, MARA, TOM, W1, W5, WEAPONS, dry_gulch

PASSWORD = "dry-gulch-demo"


@pytest.fixture
def world(demo_copy: Path) -> Iterator[tuple[App, TestClient]]:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap())
    try:
        with TestClient(create_app(app)) as client:
            yield app, client
    finally:
        app.close()


def bearer(client: TestClient, login: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_the_openapi_example_of_a_new_production_is_accepted_with_its_roles_and_settings(
    world: tuple[App, TestClient],
) -> None:
    _, client = world
    schema = client.get("/openapi.json").json()["components"]["schemas"]["NewProduction"]
    example = {**schema["examples"][0], "id": "red-mesa", "title": "Red Mesa"}
    r = client.post("/api/v1/productions", json=example, headers=bearer(client, "tom"))
    assert r.status_code == 201, r.text
    assert any("armorer permit" in n for n in r.json()["still_needed"])
    detail = client.get("/api/v1/productions/red-mesa", headers=bearer(client, "tom")).json()
    assert detail["your_roles"] == ["armorer"]
    assert detail["settings"]["armorer_capacity"] == 6
    again = client.post("/api/v1/productions", json=example, headers=bearer(client, "tom"))
    assert again.status_code == 409 and "exists" in again.text
    bad = client.post(
        "/api/v1/productions",
        json={**example, "id": "mars", "time_zone": "Mars/Olympus"},
        headers=bearer(client, "tom"),
    )
    assert bad.status_code == 409 and "not a time zone" in bad.text
    wrong_role = client.post(
        "/api/v1/productions",
        json={**example, "id": "wrong", "roles": ["director"]},
        headers=bearer(client, "tom"),
    )
    assert wrong_role.status_code == 422
    assert client.get("/api/v1/productions/mars", headers=bearer(client, "tom")).status_code == 404


def test_production_create_from_the_command_line_says_what_custody_still_needs(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    run_cli("init", data=data)
    out = run_cli(
        "production",
        "create",
        "--name",
        "Red Mesa",
        "--timezone",
        "America/Phoenix",
        "--as",
        "nora-bell",
        "--role",
        "armorer",
        "--json",
        data=data,
    )
    answer = json.loads(out.stdout)
    assert answer["production"] == "red-mesa" and answer["roles"] == ["armorer"]
    assert any("1st AD" in n for n in answer["still_needed"])
    text = run_cli(
        "production",
        "create",
        "--name",
        "Dry Gulch",
        "--timezone",
        "UTC",
        "--as",
        "nora-bell",
        data=data,
    ).stdout
    assert "No account belongs to nora-bell yet" in text and "Still needed" in text
    refused = run_cli(
        "production",
        "create",
        "--name",
        "Red Mesa",
        "--timezone",
        "America/Phoenix",
        "--as",
        "nora-bell",
        data=data,
        check=False,
    )
    assert refused.returncode == 3 and "exists" in refused.stderr


def test_init_makes_the_carts_https_certificate_and_serve_tls_serves_it(demo_copy: Path) -> None:
    tls = demo_copy / "tls"
    assert (tls.stat().st_mode & 0o777) == 0o700
    for key in ("ca-key.pem", "server-key.pem"):
        assert ((tls / key).stat().st_mode & 0o777) == 0o600
    leaf = x509.load_pem_x509_certificate((tls / "server.pem").read_bytes())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    ca = x509.load_pem_x509_certificate((tls / "ca.pem").read_bytes())
    fingerprint = hashlib.sha256(ca.public_bytes(serialization.Encoding.DER)).hexdigest().upper()
    context = ssl.create_default_context(cafile=str(tls / "ca.pem"))
    port = free_port()
    env = {**os.environ, "COLDCHECK_DATA": str(demo_copy)}
    process = subprocess.Popen(
        [COLDCHECK, "serve", "--tls", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    https = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert httpx.get(f"{https}/healthz", verify=context).status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve --tls did not answer"
                time.sleep(0.1)
        assert (
            httpx.get(f"{https}/tls/ca.crt", verify=context).content
            == (tls / "ca.pem").read_bytes()
        )
        with httpx.Client(base_url=https, verify=context) as client:
            client.post("/signin", data={"login": "tom", "password": PASSWORD})
            page = client.get("/productions").text
        assert ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)) in page
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{https}/healthz")  # not trusted without the cart's authority
    finally:
        process.terminate()
        process.wait(10)
    assert "Already initialised" in run_cli("init", data=demo_copy).stdout


def test_a_script_without_a_session_gets_a_clean_401_and_a_browser_goes_back_after_signing_in(
    world: tuple[App, TestClient],
) -> None:
    _, client = world
    r = client.get("/p/dry-gulch/board/cards", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["x-coldcheck-session"] == "ended"
    assert r.text == "Your session ended — sign in again." and "<form" not in r.text
    r = client.get("/p/dry-gulch/handover?weapon=W-0001", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/signin?next=%2Fp%2Fdry-gulch%2Fhandover%3Fweapon%3DW-0001"
    r = client.post(
        "/signin",
        data={"login": "mara", "password": PASSWORD, "next": "/p/dry-gulch/handover?weapon=W-0001"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/p/dry-gulch/handover?weapon=W-0001&resumed=1"
    assert int(r.headers["set-cookie"].split("Max-Age=")[1].split(";")[0]) == 2 * 16 * 3600
    r = client.post(
        "/signin",
        data={"login": "mara", "password": PASSWORD, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def _items(log: list) -> list[TimelineItem]:  # type: ignore[type-arg]
    return [TimelineItem(n, e) for n, e in enumerate(log)]


def test_the_daily_log_says_closed_names_signers_marks_discrepancies_retired_and_corrections():
    s = dry_gulch()
    s.do(c.RetireWeapon, MARA, weapon=W5)
    s.tick(minutes=5)
    s.do(c.Correct, MARA, corrects=len(s.log) - 1, reason="retired by mistake? no: owner took it")
    serials = tuple(spec["serial"] for w, spec in WEAPONS.items() if w != W5)
    s.tick(minutes=5)
    s.do(
        c.ReconcileDay,
        MARA,
        day=DAY,
        serials_seen=serials,
        lot_counts=(
            LotCount(L1, 199),
            *(
                LotCount(lot, s.state.lots[lot].in_store)
                for lot in sorted(s.state.lots)
                if lot != L1
            ),
        ),
    )
    s.do(c.CloseDay, MARA, confirm=(TOM,), day=DAY)
    report = daily_report(s.state, _items(s.log), DAY, DAWN + timedelta(hours=2), None)
    assert report.closed and report.over  # closed at wrap, though the clock says same day
    l1 = next(lot for lot in report.lots if lot.tag == L1)
    assert l1.conserved and not l1.balances and "L-0001" in l1.discrepancy
    assert next(w for w in report.weapons if w.tag == W5).retired
    assert report.wrap.closed_by == "Mara Voss" and report.wrap.confirmed_by == "Tom Reyes (PIN)"
    (fix,) = [r for r in report.events if r.event == "CorrectionRecorded"]
    assert "recorded: Weapon retired: W-0005 retired" in fix.what and "owner took it" in fix.what
    (meeting,) = [r for r in report.events if r.event == "SafetyMeetingHeld"]
    assert "safety meeting at 06:00 for scene(s) 41" in meeting.what and "M-" not in meeting.what
    custody = custody_report(s.state, _items(s.log), W5, None, None, DAWN, None)
    assert any("correction of log #" in r.what for r in custody.rows)


def test_a_label_sheet_never_cuts_a_long_name(tmp_path: Path) -> None:
    from coldcheck.adapters.pdf import labels_pdf

    s = dry_gulch()
    long = "Colt Single Action Army, engraved presentation model with ivory grips (hero gun)"
    state = replace(
        s.state,
        weapons={
            W1: replace(s.state.weapons[W1], weapon=replace(s.state.weapons[W1].weapon, name=long))
        },
    )
    items = label_items(state, ["weapons"], (), "https://cart.local:8000")
    assert items[0].qr_text == "https://cart.local:8000/p/dry-gulch/w/W-0001"
    labels_pdf(items, tmp_path / "l.pdf")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is missing")
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "l.pdf"), "-"], capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    for word in long.replace(",", "").split():
        assert word.strip("()") in flat, word
