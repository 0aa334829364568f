"""Weapon photos are evidence (issue 18, part 5): ``coldcheck verify`` hashes every photo the
log names and reports a missing or altered one; a backup carries the photos and a restore
puts them back; a backup whose photo bytes were altered is refused on restore."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import build
from coldcheck.config import DB_FILE_NAME, Settings
from coldcheck.domain.ids import PersonId, ProductionId, WeaponId
from coldcheck.domain.photos import sha256_hex
from coldcheck.service.envelope import Channel
from coldcheck.service.errors import NotFound
from tests.conftest import run_cli
from tests.photos import png

DEMO = ProductionId("dry-gulch")
W1 = WeaponId("W-0001")


def take_photo(data: Path, photo: bytes) -> str:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        app.photos.take(
            DEMO, PersonId("mara-voss"), W1, photo, "cylinder open", channel=Channel.cli("mara")
        )
    finally:
        app.close()
    return sha256_hex(photo)


def served(data: Path, sha: str) -> bytes:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        return app.photos.photo(DEMO, W1, sha).data
    finally:
        app.close()


def tamper(data: Path, sql: str, *args: object) -> None:
    with sqlite3.connect(data / DB_FILE_NAME) as db:
        db.execute(sql, args)


def test_verify_passes_with_the_photos_the_log_names(demo_copy: Path) -> None:
    take_photo(demo_copy, png())
    result = run_cli("verify", data=demo_copy)
    assert "ledger OK" in result.stdout and "NOT OK" not in result.stdout


def test_verify_reports_a_photo_whose_bytes_were_altered(demo_copy: Path) -> None:
    sha = take_photo(demo_copy, png())
    tamper(demo_copy, "UPDATE photo_blobs SET data = ? WHERE sha256 = ?", png(shade=40), sha)
    result = run_cli("verify", data=demo_copy, check=False)
    assert result.returncode == 1
    assert f"NOT OK: photo {sha[:12]}… of dry-gulch W-0001" in result.stdout
    assert "ALTERED" in result.stdout and "Restore it from a backup" in result.stdout
    with pytest.raises(NotFound, match="altered"):
        served(demo_copy, sha)  # never served as the photo the log names


def test_verify_reports_a_photo_whose_bytes_are_missing_and_rebuild_does_not_hide_it(
    demo_copy: Path,
) -> None:
    sha = take_photo(demo_copy, png())
    tamper(demo_copy, "DELETE FROM photo_blobs WHERE sha256 = ?", sha)
    result = run_cli("verify", "--rebuild", data=demo_copy, check=False)
    assert result.returncode == 1
    assert "MISSING from photo_blobs" in result.stdout


def test_a_restored_backup_holds_the_photos_and_verifies(demo_copy: Path, tmp_path: Path) -> None:
    photo = png(48, 30)
    sha = take_photo(demo_copy, photo)
    backup = tmp_path / "backup.tar.gz"
    run_cli("backup", "--out", str(backup), data=demo_copy)
    restored = tmp_path / "restored"
    run_cli("restore", str(backup), data=restored)
    assert served(restored, sha) == photo
    result = run_cli("verify", data=restored)
    assert "NOT OK" not in result.stdout


def test_a_backup_whose_photo_was_altered_is_refused_on_restore(
    demo_copy: Path, tmp_path: Path
) -> None:
    sha = take_photo(demo_copy, png())
    tamper(demo_copy, "UPDATE photo_blobs SET data = ? WHERE sha256 = ?", b"\xff\xd8\xffX", sha)
    backup = tmp_path / "backup"
    run_cli("backup", "--out", str(backup), data=demo_copy)
    result = run_cli("restore", str(backup), data=tmp_path / "restored", check=False)
    assert result.returncode != 0
    assert "lacks a weapon photo its log names" in result.stdout + result.stderr
