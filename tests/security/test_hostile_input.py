"""Hostile input against a real server: nothing gets a 5xx, nothing rejected changes state.

Oversized bodies (declared and chunked), wrong content types, broken and
deeply nested JSON, unicode edge cases (NUL, bidi overrides, zero-width,
astral characters, lone surrogates), out-of-range numbers, script in names
(escaped on pages), and CSV formula injection in exports. Every rejected
request is checked against the ledger head: it changed nothing.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from coldcheck.adapters.csv_io import dump_csv, parse_csv
from coldcheck.service.exchange import FORMULA_START, neutralise, unneutralise
from tests.reliability.support import Forked, Zygote, bearer, ledger_head, login

P = "/api/v1/productions/dry-gulch"
MAX_BODY = 1_000_000


@pytest.fixture(scope="module")
def server(
    z: Zygote, demo_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Forked]:
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(demo_data, data)
    s = z.serve(data)
    try:
        yield s
    finally:
        z.kill(s.pid)
    result = z.run("verify", data=data)
    assert result.returncode == 0, result.stdout  # whatever got in, the log still verifies


@pytest.fixture(scope="module")
def token(server: Forked) -> str:
    return login(server.url, "mara")


def _post(server: Forked, token: str, name: str, **kw: object) -> httpx.Response:
    headers = {**bearer(token), **kw.pop("headers", {})}  # type: ignore[dict-item]
    return httpx.post(f"{server.url}{P}/commands/{name}", headers=headers, timeout=60, **kw)  # type: ignore[arg-type]


def _rejected(server: Forked, r: httpx.Response, *allowed: int) -> None:
    assert r.status_code < 500, f"{r.status_code}: {r.text[:300]}"
    assert r.status_code in allowed, f"{r.status_code}: {r.text[:300]}"


def test_a_declared_oversized_body_is_413(server: Forked, token: str) -> None:
    before = ledger_head(server.url)
    body = json.dumps({"weapon": "W-0001", "note": "x" * (MAX_BODY + 10)})
    r = _post(
        server,
        token,
        "take-out-of-storage",
        content=body,
        headers={"content-type": "application/json"},
    )
    _rejected(server, r, 413)
    assert ledger_head(server.url) == before


def test_a_chunked_oversized_body_is_413(server: Forked, token: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"weapon": "'
        for _ in range(3 * MAX_BODY // 65536):
            yield b"A" * 65536
        yield b'"}'

    r = _post(
        server,
        token,
        "take-out-of-storage",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    _rejected(server, r, 413)


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"weapon": "W-0001"}'),
        ("application/x-www-form-urlencoded", b"weapon=W-0001"),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="weapon"\r\n\r\nW-0001\r\n--x--\r\n',
        ),
        ("application/xml", b"<weapon>W-0001</weapon>"),
        ("", b'{"weapon": "W-0001"}'),
        ("application/json", b'{"weapon": "W-0001"'),
        ("application/json", b"\xff\xfe\x00garbage"),
        ("application/json", b"[" * 50_000 + b"]" * 50_000),
        ("application/json", b'{"weapon": "W-0001", "weapon": 1}'),
        ("application/json", b'{"weapon": "W-0001", "extra": 1}'),
        ("application/json", b"null"),
        ("application/json", b'"W-0001"'),
    ],
    ids=[
        "text",
        "form",
        "multipart",
        "xml",
        "none",
        "truncated",
        "not-utf8",
        "deep",
        "duplicate-key",
        "extra-field",
        "null",
        "string",
    ],
)
def test_wrong_content_is_refused_and_changes_nothing(
    server: Forked, token: str, content_type: str, content: bytes
) -> None:
    before = ledger_head(server.url)
    headers = {"content-type": content_type} if content_type else {}
    r = _post(server, token, "take-out-of-storage", content=content, headers=headers)
    _rejected(server, r, 400, 409, 415, 422)
    assert ledger_head(server.url) == before


ODD_TEXT = [
    "nul\x00byte",
    "bidi \u202egnp.exe",
    "zero\u200bwidth\u200d",
    "combining e\u0301\u0301\u0301",
    "astral \U0001f52b\U0001d54f",
    "bom \ufeff",
    "line\u2028separator",
    "ctrl \x1b[31mred",
    "<script>alert('x')</script>",
    '" onmouseover="alert(1)',
    "{{7*7}} ${7*7}",
    "../../etc/passwd",
    "x" * 200,
]


@pytest.mark.parametrize("text", ODD_TEXT, ids=range(len(ODD_TEXT)))
def test_unicode_and_markup_in_names_never_break_anything(
    server: Forked, token: str, text: str
) -> None:
    body = {
        "name": text,
        "make": "m",
        "model": "m",
        "serial": f"S-{abs(hash(text))}",
        "calibre": ".45 Colt",
        "owner": text,
        "kind": "replica",
        "action": "replica",
        "capacity": 0,
    }
    r = _post(server, token, "register-weapon", json=body)
    assert r.status_code in (200, 409, 422), r.text[:300]
    for ref in (text, text[:64]):
        t = httpx.get(f"{server.url}{P}/timeline", params={"ref": ref}, headers=bearer(token))
        assert t.status_code in (200, 422), t.text[:300]
    w = httpx.get(f"{server.url}{P}/weapons/{quote(text[:60], safe='')}", headers=bearer(token))
    assert w.status_code in (404, 422), w.text[:300]
    if r.status_code == 200:
        tag = r.json()["accepted"][0]["payload"]["weapon"]
        got = httpx.get(f"{server.url}{P}/weapons/{tag}", headers=bearer(token)).json()
        assert got["name"] == text  # stored and returned exactly


def test_script_in_a_name_is_escaped_on_pages(server: Forked, token: str) -> None:
    name = "<script>alert('board')</script><img src=x onerror=alert(1)>"
    r = _post(
        server,
        token,
        "register-weapon",
        json={
            "name": name,
            "make": "m",
            "model": "m",
            "serial": "XSS-1",
            "calibre": ".45 Colt",
            "owner": "o",
            "kind": "replica",
            "action": "replica",
            "capacity": 0,
        },
    )
    assert r.status_code == 200, r.text
    tag = r.json()["accepted"][0]["payload"]["weapon"]
    with httpx.Client(base_url=server.url) as client:
        client.post("/signin", data={"login": "mara", "password": "dry-gulch-demo"})
        for path in ("/p/dry-gulch/board", f"/p/dry-gulch/w/{tag}"):
            page = client.get(path).text
            assert "<script>alert('board')" not in page and "<img src=x" not in page
            assert "&lt;script&gt;" in page


@pytest.mark.parametrize("name", ["take-out-of-storage", "register-weapon"])
def test_lone_surrogates_are_refused_not_500(server: Forked, token: str, name: str) -> None:
    before = ledger_head(server.url)
    body = (
        b'{"weapon": "\\ud800"}'
        if name == "take-out-of-storage"
        else b'{"name": "\\udc00x", "make": "m", "model": "m", "serial": "S-sur", "calibre": ".45",'
        b' "owner": "o", "kind": "replica", "action": "replica", "capacity": 0}'
    )
    r = _post(server, token, name, content=body, headers={"content-type": "application/json"})
    assert ledger_head(server.url) == before
    _rejected(server, r, 400, 409, 422)


def test_out_of_range_numbers_are_refused_not_500(server: Forked, token: str) -> None:
    before = ledger_head(server.url)
    r = _post(
        server,
        token,
        "receive-lot",
        json={
            "round_class": "dummy",
            "calibre": ".45 Colt",
            "supplier": "x",
            "count": 2**70,
            "container": "C-0002",
        },
    )
    assert ledger_head(server.url) == before
    _rejected(server, r, 409, 422)


def test_odd_query_values_are_4xx(server: Forked, token: str) -> None:
    h = bearer(token)
    for path, params in (
        ("/api/v1/ledger/entries", {"start": 2**63, "end": 2**63}),
        ("/api/v1/ledger/entries", {"start": -1, "end": 5}),
        ("/api/v1/ledger/entries", {"start": "x", "end": 5}),
        ("/api/v1/ledger/proof/inclusion", {"index": 2**70}),
        ("/api/v1/ledger/proof/consistency", {"first": 2**70, "second": 2**71}),
        (f"{P}/timeline", {"limit": 10**9}),
        (f"{P}/days/99999-01-01", {}),
        (f"{P}/weapons/..%2F..%2Fetc%2Fpasswd", {}),
    ):
        r = httpx.get(f"{server.url}{path}", params=params, headers=h)
        assert 400 <= r.status_code < 500, (path, params, r.status_code, r.text[:200])


DANGEROUS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    '=HYPERLINK("http://x")',
    "-2+3",
    "'=1",
    "''=1",
    "'plain",
    "plain",
]


def test_csv_export_cells_are_neutralised() -> None:
    text = dump_csv(["name", "note"], [[cell, cell] for cell in DANGEROUS])
    rows = list(csv.reader(io.StringIO(text)))[1:]
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START), f"formula cell written: {cell!r}"


def test_csv_neutralising_round_trips_every_value() -> None:
    for cell in DANGEROUS:
        assert unneutralise(neutralise(cell)) == cell, cell
    table = parse_csv(dump_csv(["name"], [[cell] for cell in DANGEROUS]))
    assert [unneutralise(r.values["name"]) for r in table.rows] == DANGEROUS
