"""Complete bundles: every entry about the subject, proven complete, checkable without coldcheck.

Each attack an adversarial reader would try on a bundle (issue 13) is made here on a real
export of the demo, and the bundle's own verifier must say what is wrong: an entry left
out (the first, one in the middle, the last), a proof left out, an entry about something
else swapped in, an index record left out, a bundle re-signed with a fresh key.
"""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain.ids import ProductionId
from coldcheck.ledger.bundle import build_zip
from coldcheck.ledger.checkpoint import log_vkey, make_checkpoint_note
from coldcheck.ledger.note import parse_note
from coldcheck.ledger.verify_bundle import verify
from coldcheck.service.evidence import EvidenceError
from tests.conftest import run_cli

DEMO = ProductionId("dry-gulch")
TZ = ZoneInfo("America/Denver")
Files = dict[str, bytes]


@pytest.fixture(scope="module")
def data(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    target = tmp_path_factory.mktemp("evidence") / "data"
    shutil.copytree(demo_data, target)
    return target


@pytest.fixture(scope="module")
def app(data: Path) -> Iterator[App]:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}))
    try:
        yield app
    finally:
        app.close()


@pytest.fixture(scope="module")
def w2(app: App) -> bytes:
    return app.evidence.export(DEMO, "W-0002", None, None, TZ).data


@pytest.fixture(scope="module")
def w1(app: App, w2: bytes) -> bytes:
    """A bundle of another weapon against the same checkpoint (nothing written between)."""
    return app.evidence.export(DEMO, "W-0001", None, None, TZ).data


def unzip(data: bytes) -> Files:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rezip(files: Files) -> bytes:
    return build_zip(list(files.items()))


def manifest(files: Files) -> dict:  # type: ignore[type-arg]
    return json.loads(files["manifest.json"])


def subjects(files: Files) -> list[int]:
    return [e["index"] for e in manifest(files)["entries"] if e["role"] == "subject"]


def without(files: Files, index: int, *, keep_listed: bool = False) -> Files:
    """The bundle with entry ``index`` taken out (its file, its proof, its manifest line)."""
    m = manifest(files)
    item = next(e for e in m["entries"] if e["index"] == index)
    out = {k: v for k, v in files.items() if k not in (item["file"], item["proof"])}
    if not keep_listed:
        m["entries"] = [e for e in m["entries"] if e["index"] != index]
    out["manifest.json"] = json.dumps(m).encode()
    return out


def check(app: App, data: bytes, **keys: list[str]) -> tuple[bool, str, dict]:  # type: ignore[type-arg]
    report = verify(data, keys.get("log", [app.identity.vkey]), keys.get("witness", []))
    return report.ok and report.trusted, report.summary(), report.as_json()


def test_a_bundle_holds_every_entry_about_its_weapon_and_verifies(app: App, w2: bytes) -> None:
    ok, summary, report = check(app, w2)
    assert ok, summary
    assert summary.startswith("VERIFIED: ") and "none is missing" in summary
    timeline = [i.seq for i in app.reads.timeline(DEMO, "W-0002", 1000)]
    assert [e["index"] for e in report["entries"]] == timeline
    assert report["complete"] and report["trusted"]
    assert report["vkey"] == app.identity.vkey
    assert report["closing"], "the demo's yesterday has a daily closing checkpoint"


@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_a_bundle_with_an_entry_left_out_says_which_is_missing(
    app: App, w2: bytes, which: str
) -> None:
    files = unzip(w2)
    mine = subjects(files)
    index = {"first": mine[0], "middle": mine[len(mine) // 2], "last": mine[-1]}[which]
    ok, summary, report = check(app, rezip(without(files, index)))
    assert not ok
    assert f"entry {index} about W-0002" in summary and "is missing" in summary
    assert f"entry {index}" in report["missing"]


def test_a_bundle_with_a_proof_left_out_says_so(app: App, w2: bytes) -> None:
    files = unzip(w2)
    index = subjects(files)[2]
    proof = f"proofs/{index:012d}.tlog-proof"
    del files[proof]
    ok, summary, _ = check(app, rezip(files))
    assert not ok and f"{proof} is missing" in summary


def test_a_bundle_with_an_entry_about_something_else_swapped_in_fails(
    app: App, w1: bytes, w2: bytes
) -> None:
    mine, theirs = unzip(w2), unzip(w1)
    assert mine["checkpoint.txt"] == theirs["checkpoint.txt"]
    index = subjects(mine)[3]
    other = next(i for i in subjects(theirs) if i not in subjects(mine))
    files = without(mine, index)
    m = manifest(files)
    item = next(e for e in manifest(theirs)["entries"] if e["index"] == other)
    m["entries"].append(item)
    files["manifest.json"] = json.dumps(m).encode()
    files[item["file"]], files[item["proof"]] = theirs[item["file"]], theirs[item["proof"]]
    ok, summary, _ = check(app, rezip(files))
    assert not ok
    assert f"entry {other} is not about W-0002" in summary
    assert f"entry {index} about W-0002" in summary


def test_a_bundle_with_an_index_record_left_out_fails(app: App, w2: bytes) -> None:
    files = unzip(w2)
    indexes = [e["index"] for e in manifest(files)["entries"] if e["role"] == "index"]
    assert len(indexes) >= 2
    ok, summary, _ = check(app, rezip(without(files, indexes[-1])))
    assert not ok and "index" in summary
    ok, summary, _ = check(app, rezip(without(files, indexes[0])))
    assert not ok and "index" in summary


def test_a_changed_entry_fails_its_inclusion_proof(app: App, w2: bytes) -> None:
    files = unzip(w2)
    index = subjects(files)[1]
    name = f"entries/{index:012d}.json"
    files[name] = files[name].replace(b"mara-voss", b"eli-tran")
    ok, summary, _ = check(app, rezip(files))
    assert not ok and f"entry {index}: its inclusion proof does not lead" in summary


def _resigned(files: Files, key: Ed25519PrivateKey) -> Files:
    """The same bundle, every checkpoint signed by ``key`` under the same origin."""
    out = dict(files)
    text = parse_note(files["checkpoint.txt"]).text
    origin, size, root = text.rstrip("\n").split("\n")
    import base64

    note = make_checkpoint_note(origin, int(size), base64.b64decode(root), key)
    out["checkpoint.txt"] = note
    out["log.vkey"] = (log_vkey(origin, key) + "\n").encode()
    for name, value in files.items():
        if name.startswith("proofs/"):
            head, _, _ = value.partition(b"\n\n")
            out[name] = head + b"\n\n" + note
        if name.startswith("closing/"):
            del out[name]
    m = manifest(files)
    m["closing"] = []
    out["manifest.json"] = json.dumps(m).encode()
    return out


def test_a_bundle_under_a_fresh_key_is_never_verified(app: App, w2: bytes) -> None:
    forged = rezip(_resigned(unzip(w2), Ed25519PrivateKey.generate()))
    report = verify(forged, [], [])
    assert report.ok and not report.trusted
    assert report.summary().startswith("signatures valid, key NOT TRUSTED")
    as_json = report.as_json()
    assert as_json["ok"] is False and as_json["trusted"] is False
    assert as_json["vkey"] != app.identity.vkey and as_json["log_id"]
    against_the_real_key = verify(forged, [app.identity.vkey], [])
    assert not against_the_real_key.ok
    assert "not signed by the trusted log key" in against_the_real_key.summary()


def test_the_daily_closing_checkpoint_must_be_extended_by_the_bundle(app: App, w2: bytes) -> None:
    files = unzip(w2)
    item = manifest(files)["closing"][0]
    proof = files[item["consistency"]]
    head, _, note = proof.partition(b"\n\n")
    lines = head.split(b"\n")
    lines[1] = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    files[item["consistency"]] = b"\n".join(lines) + b"\n\n" + note
    ok, summary, _ = check(app, rezip(files))
    assert not ok and "does not extend the closing checkpoint" in summary


def test_export_refuses_a_subject_with_no_entries(app: App) -> None:
    with pytest.raises(EvidenceError, match="no entry of dry-gulch is about W-9999"):
        app.evidence.export(DEMO, "W-9999", None, None, TZ)


def test_the_bundles_own_verifier_runs_without_coldcheck(
    app: App, w2: bytes, tmp_path: Path
) -> None:
    files = unzip(w2)
    source = files["verify_bundle.py"]
    imported = {
        (n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in (n.names if isinstance(n, ast.Import) else [n])
        if not isinstance(n, ast.ImportFrom) or n.level == 0
    }
    assert imported <= set(sys.stdlib_module_names) | {"cryptography"}, imported
    (tmp_path / "verify_bundle.py").write_bytes(source)
    (tmp_path / "bundle.zip").write_bytes(w2)
    # coldcheck is installed in this interpreter: make importing it fail, to be sure.
    blocker = tmp_path / "site" / "sitecustomize.py"
    blocker.parent.mkdir()
    blocker.write_text("import sys\nsys.modules['coldcheck'] = None\n")
    env = {**os.environ, "PYTHONPATH": str(blocker.parent)}
    run: Callable[..., subprocess.CompletedProcess[str]] = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "verify_bundle.py", "bundle.zip", *a],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    trusted = run("--log-key", app.identity.vkey)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert trusted.stdout.startswith("VERIFIED: ")
    untrusted = run("--json")
    assert untrusted.returncode == 1
    assert json.loads(untrusted.stdout)["verdict"] == "signatures valid, key NOT TRUSTED"


def test_the_cli_writes_a_bundle_and_checks_it_against_keys_given(
    data: Path, app: App, tmp_path: Path
) -> None:
    out = tmp_path / "w2.zip"
    made = run_cli("export-evidence", "--weapon", "W-0002", "--out", str(out), "--json", data=data)
    assert json.loads(made.stdout)["entries"] >= 5
    untrusted = run_cli("verify-bundle", str(out), "--json", data=data, check=False)
    report = json.loads(untrusted.stdout)
    assert untrusted.returncode == 1 and report["trusted"] is False
    assert report["log_id"] and report["vkey"] == app.identity.vkey
    trusted = run_cli("verify-bundle", str(out), "--log-key", app.identity.vkey, data=data)
    assert trusted.stdout.startswith("VERIFIED")
    wrong = run_cli(
        "verify-bundle",
        str(out),
        "--log-key",
        log_vkey(app.identity.origin, Ed25519PrivateKey.generate()),
        data=data,
        check=False,
    )
    assert wrong.returncode == 1 and "NOT VERIFIED" in wrong.stdout
