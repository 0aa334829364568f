"""Weapon photos in evidence bundles (issue 18, part 5): every bundle's entries carry each
photo's SHA-256; a bundle exported with the photos carries their bytes too, and its own
verifier checks each against the hash its proven entry records."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import DB_FILE_NAME, Settings
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.ledger.bundle import build_zip
from coldcheck.ledger.verify_bundle import verify
from coldcheck.service.envelope import Channel
from coldcheck.service.evidence import EvidenceError
from tests.conftest import run_cli
from tests.photos import png

DEMO = ProductionId("dry-gulch")
TZ = ZoneInfo("America/Denver")
W1 = WeaponId("W-0001")
PHOTO = png(40, 24)
Files = dict[str, bytes]


@pytest.fixture(scope="module")
def data(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("photo-bundles") / "data"
    shutil.copytree(demo_data, target)
    return target


@pytest.fixture(scope="module")
def app(data: Path) -> Iterator[App]:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    app.photos.take(DEMO, PersonId("mara-voss"), W1, PHOTO, "left side", channel=Channel.web())
    try:
        yield app
    finally:
        app.close()


@pytest.fixture(scope="module")
def sha(app: App) -> str:
    photo = app.custody.state(DEMO).weapons[W1].photo
    assert photo is not None
    return photo.sha256


def unzip(data: bytes) -> Files:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def check(app: App, data: bytes) -> tuple[bool, str]:
    report = verify(data, [app.identity.vkey], [])
    return report.ok and report.trusted, report.summary()


def test_every_bundle_carries_the_photos_hash_in_its_entry_and_no_bytes_unless_asked(
    app: App, sha: str
) -> None:
    files = unzip(app.evidence.export(DEMO, "W-0001", None, None, TZ).data)
    entries = [json.loads(v) for k, v in files.items() if k.startswith("entries/")]
    photographed = [e for e in entries if e.get("type") == "WeaponPhotographed"]
    assert [e["payload"]["sha256"] for e in photographed] == [sha]
    assert photographed[0]["payload"]["byte_size"] == len(PHOTO)
    assert not [k for k in files if k.startswith("photos/")]
    assert "photos" not in json.loads(files["manifest.json"])
    ok, summary = check(app, app.evidence.export(DEMO, "W-0001", None, None, TZ).data)
    assert ok and "Weapon photos: not included; each photo's SHA-256 is in its entry" in summary


def test_a_bundle_with_the_photos_holds_their_bytes_and_verifies_them(app: App, sha: str) -> None:
    bundle = app.evidence.export(DEMO, "W-0001", None, None, TZ, photos=True)
    files = unzip(bundle.data)
    assert files[f"photos/{sha}.png"] == PHOTO
    listed = json.loads(files["manifest.json"])["photos"]
    assert [(p["sha256"], p["media_type"]) for p in listed] == [(sha, "image/png")]
    ok, summary = check(app, bundle.data)
    assert ok, summary
    assert "Weapon photos: 1 included" in summary


def test_a_photo_changed_inside_a_bundle_is_found_by_its_verifier(app: App, sha: str) -> None:
    files = unzip(app.evidence.export(DEMO, "W-0001", None, None, TZ, photos=True).data)
    files[f"photos/{sha}.png"] = png(40, 24, shade=99)
    ok, summary = check(app, build_zip(list(files.items())))
    assert not ok and "the photo was changed" in summary


def test_a_photo_no_proven_entry_records_is_refused_by_the_verifier(app: App, sha: str) -> None:
    files = unzip(app.evidence.export(DEMO, "W-0001", None, None, TZ, photos=True).data)
    manifest = json.loads(files["manifest.json"])
    other = png(8, 8)
    import hashlib

    fake = hashlib.sha256(other).hexdigest()
    manifest["photos"].append({"sha256": fake, "file": f"photos/{fake}.png"})
    files["manifest.json"] = json.dumps(manifest).encode()
    files[f"photos/{fake}.png"] = other
    ok, summary = check(app, build_zip(list(files.items())))
    assert not ok and "no proven entry of the bundle records this photo" in summary


def test_a_photo_slipped_in_without_a_manifest_line_is_refused(app: App, sha: str) -> None:
    files = unzip(app.evidence.export(DEMO, "W-0001", None, None, TZ).data)
    files[f"photos/{sha}.png"] = PHOTO
    ok, summary = check(app, build_zip(list(files.items())))
    assert not ok and "does not list" in summary


def test_the_cli_exports_a_bundle_with_the_photos(data: Path, app: App, tmp_path: Path) -> None:
    out = tmp_path / "w1.zip"
    made = run_cli(
        "export-evidence",
        "--weapon",
        "W-0001",
        "--with-photos",
        "--out",
        str(out),
        "--json",
        data=data,
    )
    assert json.loads(made.stdout)["photos"] == 1
    trusted = run_cli("verify-bundle", str(out), "--log-key", app.identity.vkey, data=data)
    assert trusted.stdout.startswith("VERIFIED") and "Weapon photos: 1 included" in trusted.stdout


def test_no_bundle_with_photos_is_made_while_a_photo_is_altered_in_the_store(
    demo_copy: Path,
) -> None:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap())
    try:
        taken = app.photos.take(DEMO, PersonId("mara-voss"), W1, PHOTO, channel=Channel.web())
        with sqlite3.connect(demo_copy / DB_FILE_NAME) as db:
            db.execute("UPDATE photo_blobs SET data = ?", (png(shade=5),))
        with pytest.raises(EvidenceError, match="missing or altered"):
            app.evidence.export(DEMO, "W-0001", None, None, TZ, photos=True)
        assert taken.facts.sha256  # the entry stays; the bundle without photos still exports
        assert app.evidence.export(DEMO, "W-0001", None, None, TZ).entries > 0
    finally:
        app.close()
