"""Sessions, CSRF, PINs, secrets and headers, against a real server process.

* every page form refuses a POST without the session's CSRF token, or with a wrong one (403),
  and nothing changes;
* the session cookie is HttpOnly and SameSite=Strict (Secure only behind HTTPS);
* five wrong PINs (typed against a challenge) lock a PIN: the sixth try is refused even with
  the right PIN, and the answer never says more than "not accepted";
* a password or PIN never appears in the server's output, an API answer or a page
  (nor in clear in the database);
* the signing key is mode 0600 and a key others can read is refused;
* pages send a CSP without inline scripts and deny framing, and contain no inline script.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.confirming import challenge, confirmations
from tests.reliability.support import (
    Forked,
    Zygote,
    add_user,
    bearer,
    custody_events,
    fill,
    inspect_body,
    ledger_head,
    login,
    page_routes,
)

SECRET_PASSWORD = "Quartz-Lantern-4471-vh"
SECRET_PIN = "73195824"
P = "/api/v1/productions/dry-gulch"


@pytest.fixture(scope="module")
def server(
    z: Zygote, demo_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Forked]:
    import shutil

    data = tmp_path_factory.mktemp("auth") / "data"
    shutil.copytree(demo_data, data)
    add_user(data, "vera", "vera-cole", SECRET_PASSWORD, SECRET_PIN)
    s = z.serve(data)
    try:
        yield s
    finally:
        z.kill(s.pid)


@contextmanager
def _signin(
    url: str, who: str = "mara", password: str = "dry-gulch-demo"
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=60) as client:
        r = client.post("/signin", data={"login": who, "password": password})
        assert r.status_code == 303, r.text
        yield client


def test_every_page_form_needs_the_csrf_token(server: Forked) -> None:
    # /signin has no session yet; /report/{production} is the anonymous form (next test)
    # /signin/resume has no live session either: it takes an ended session's cookie (SameSite
    # Strict, so never from another site) and the person's PIN
    sessionless = {"/signin", "/signin/resume", "/report/{production}"}
    posts = [path for method, path in page_routes() if method == "POST" and path not in sessionless]
    assert len(posts) >= 20
    before = custody_events(server)
    with _signin(server.url) as client:
        for path in posts:
            url = fill(path)
            missing = client.post(url, data={"weapon": "W-0001"})
            wrong = client.post(url, data={"weapon": "W-0001", "csrf": "not-the-token"})
            assert missing.status_code == 403, (url, missing.status_code)
            assert wrong.status_code == 403, (url, wrong.status_code)
        # the session is still good: the refusals were about the token only
        assert client.get("/p/dry-gulch/board").status_code == 200
    assert custody_events(server) == before
    print(f"\n[csrf] page forms checked={len(posts)} (missing and wrong token: 403)")


def test_the_anonymous_report_form_refuses_other_sites(server: Forked) -> None:
    before = ledger_head(server.url)
    url = f"{server.url}/report/dry-gulch"
    for headers in (
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "cross-site"},
        {"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    ):
        r = httpx.post(url, data={"text": "forged report"}, headers=headers)
        assert r.status_code == 403, (headers, r.status_code)
    assert ledger_head(server.url) == before


def test_session_cookie_flags(server: Forked) -> None:
    r = httpx.post(f"{server.url}/signin", data={"login": "mara", "password": "dry-gulch-demo"})
    cookie = r.headers["set-cookie"]
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert "httponly" in flags
    assert re.search(r"samesite=strict", cookie, re.IGNORECASE)
    assert "path=/" in cookie.lower()
    assert "secure" not in flags  # plain http on loopback; COLDCHECK_SECURE_COOKIES=1 adds it


def test_five_wrong_pins_lock_the_pin(server: Forked) -> None:
    mara = login(server.url, "mara")
    h = bearer(mara)
    for name, body in (
        ("take-out-of-storage", {"weapon": "W-0003"}),
        ("inspect-weapon", inspect_body("W-0003", "lever", 10)),
    ):
        assert (
            httpx.post(f"{server.url}{P}/commands/{name}", json=body, headers=h).status_code == 200
        )
    before = custody_events(server)
    with httpx.Client(base_url=server.url, headers=h, timeout=60) as client:
        asked = challenge(client, P, "hand-over", {"weapon": "W-0003", "to": "rosa-lind"})
        assert asked.status_code == 201, asked.text
        ch = asked.json()["challenge"]

        def rosa(pin: str) -> httpx.Response:
            body = {"person": "rosa-lind", "pin": pin}
            return client.post(f"{P}/confirmations/{ch}", json=body)  # type: ignore[no-any-return]

        for _ in range(5):
            r = rosa("0000")
            assert r.status_code == 403 and "not accepted" in r.text, r.text
        locked = rosa("3434")  # Rosa's right PIN, too late
        assert locked.status_code == 403 and "not accepted" in locked.text, locked.text
        assert custody_events(server) == before  # the tries are security records only
        # Mara's PIN was never tried by any of this: Eli takes custody with his own
        ids = confirmations(
            client, P, "hand-over", {"weapon": "W-0003", "to": "eli-tran"}, ["eli-tran"]
        )
        ok = client.post(
            f"{P}/commands/hand-over",
            json={"weapon": "W-0003", "to": "eli-tran", "confirmations": ids},
        )
    assert ok.status_code == 200, ok.text
    with sqlite3.connect(server.log.parent / "data" / "coldcheck.sqlite3") as conn:
        kinds = [r[0] for r in conn.execute("select kind from auth_events")]
    assert "pin_locked" in kinds and "pin_refused_locked" in kinds


def test_passwords_and_pins_are_never_logged_or_returned(server: Forked) -> None:
    seen: list[str] = []
    # API: wrong and right password, a token, PIN confirmations wrong and right
    for password in ("wrong-" + SECRET_PASSWORD, SECRET_PASSWORD):
        r = httpx.post(
            f"{server.url}/api/v1/auth/token", json={"login": "vera", "password": password}
        )
        seen.append(r.text)
    token = r.json()["token"]
    seen.append(httpx.get(f"{server.url}/api/v1/me", headers=bearer(token)).text)
    mara = login(server.url, "mara")
    with httpx.Client(base_url=server.url, headers=bearer(mara), timeout=60) as client:
        asked = challenge(
            client, P, "destroy-rounds", {"lot": "L-0001", "container": "C-0001", "count": 1}
        )
        ch = asked.json()["challenge"]
        for pin in (SECRET_PIN[::-1], SECRET_PIN):
            r = client.post(f"{P}/confirmations/{ch}", json={"person": "vera-cole", "pin": pin})
            seen.append(r.text)
        inline = client.post(
            f"{P}/commands/stop-work",
            json={"reason": "drill", "confirmations": [{"person": "vera-cole", "pin": SECRET_PIN}]},
        )
        assert inline.status_code == 422
        seen.append(inline.text)
    # pages: a wrong password re-renders the form; the right one signs in
    wrong = httpx.post(
        f"{server.url}/signin", data={"login": "vera", "password": "x" + SECRET_PASSWORD}
    )
    seen.append(wrong.text)
    with _signin(server.url, "vera", SECRET_PASSWORD) as client:
        seen.append(client.get("/", follow_redirects=True).text)
    for text in seen:
        assert SECRET_PASSWORD not in text and SECRET_PIN not in text
    log = server.log.read_text(errors="replace")
    assert SECRET_PASSWORD not in log and SECRET_PIN not in log
    db = (server.log.parent / "data" / "coldcheck.sqlite3").read_bytes()
    assert SECRET_PASSWORD.encode() not in db and SECRET_PIN.encode() not in db
    with sqlite3.connect(server.log.parent / "data" / "coldcheck.sqlite3") as conn:
        details = " ".join(str(r) for r in conn.execute("select * from auth_events"))
    assert SECRET_PASSWORD not in details and SECRET_PIN not in details
    print(
        f"\n[secrets] answers and pages checked={len(seen)}, server log {len(log)} bytes, database"
    )


def test_signing_key_is_private_and_a_readable_key_is_refused(z: Zygote, demo_copy: Path) -> None:
    key = demo_copy / "ledger-signing-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    key.chmod(0o644)
    result = z.run("verify", data=demo_copy)
    assert result.returncode != 0
    assert "ledger-signing-key.pem" in result.stderr + result.stdout


PAGES = [
    "/signin",
    "/p/dry-gulch/board",
    "/p/dry-gulch/w/W-0001",
    "/p/dry-gulch/handover",
    "/p/dry-gulch/ammo",
    "/p/dry-gulch/day",
    "/p/dry-gulch/safety",
    "/p/dry-gulch/people",
]


def test_pages_send_security_headers_and_hold_no_inline_script(server: Forked) -> None:
    with _signin(server.url) as client:
        for path in PAGES:
            r = client.get(path)
            assert r.status_code == 200, (path, r.status_code)
            csp = r.headers["content-security-policy"]
            directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
            scripts = directives.get("script-src", directives.get("default-src"))
            assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
            assert directives.get("frame-ancestors") == ["'none'"]
            assert r.headers["x-frame-options"] == "DENY"
            assert r.headers["x-content-type-options"] == "nosniff"
            for tag in re.findall(r"<script\b[^>]*>", r.text, re.IGNORECASE):
                assert "src=" in tag, f"inline script on {path}: {tag}"
            assert not re.search(r"\son[a-z]+\s*=", r.text, re.IGNORECASE), (
                f"inline handler on {path}"
            )
    print(f"\n[headers] pages checked={len(PAGES)}")


def test_api_logout_ends_the_token_at_once(server: Forked) -> None:
    token = login(server.url, "mara")
    assert httpx.get(f"{server.url}/api/v1/me", headers=bearer(token)).status_code == 200
    assert httpx.post(f"{server.url}/api/v1/auth/logout", headers=bearer(token)).status_code == 200
    assert httpx.get(f"{server.url}/api/v1/me", headers=bearer(token)).status_code == 401


def test_page_signout_ends_the_session_at_once(server: Forked) -> None:
    with _signin(server.url) as client:
        board = client.get("/p/dry-gulch/board")
        assert board.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"', board.text)
        assert csrf, "no CSRF field on the board"
        cookie = client.cookies.get("coldcheck_session")
        r = client.post("/signout", data={"csrf": csrf.group(1)})
        assert r.status_code == 303
    again = httpx.get(f"{server.url}/p/dry-gulch/board", cookies={"coldcheck_session": cookie})
    assert again.status_code == 303 and again.headers["location"].startswith("/signin?ended=1")
