"""Backups of a SQLite data folder: a consistent online copy of the database, plus the key.

``backup`` copies the live database with SQLite's online backup API (readers
and writers may keep working; the copy is one consistent snapshot), switches
the copy out of WAL mode so it is a single file, copies the signing key (mode
0600), verifies the copy's ledger, and writes ``manifest.json`` with the
SHA-256 of every file. The result is a folder, or a ``.tar`` / ``.tar.gz``
made from it (mode 0600: it holds the key).

``restore`` unpacks a backup, checks the manifest's hashes, and re-checks
the whole ledger of the copy with ``verify_store`` against the backed-up key
before anything in the data folder is touched; a backup whose ledger does
not verify is refused. An existing database and key are kept beside the new
ones as ``*.before-restore-<UTC time>``.

PostgreSQL databases are backed up with ``pg_dump`` (and the key copied by
hand); these functions refuse them with that advice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from coldcheck import __version__
from coldcheck.adapters import keyfile
from coldcheck.adapters.sql.ledger_verify import verify_store
from coldcheck.ledger.heads import b64encode
from coldcheck.service.exchange import FileError
from coldcheck.service.ports import BackupReport, RestoreReport, VerifyReport

__all__ = ["BackupError", "BackupReport", "RestoreRefused", "RestoreReport", "backup", "restore"]

MANIFEST = "manifest.json"
FORMAT = "coldcheck-backup/1"
Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: stage is "copy" or "verify"."""


class BackupError(FileError):
    """The backup or restore could not be done (nothing was changed)."""


class RestoreRefused(BackupError):
    """The backup is damaged or its ledger does not verify; the data folder is untouched."""


DB_MEMBER = "coldcheck.sqlite3"
KEY_MEMBER = "ledger-signing-key.pem"
"""The names of the database and the key inside a backup (its own format)."""


class DataFolder(Protocol):
    """What backup and restore need to know of the settings."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def database_url(self) -> str: ...

    @property
    def database_kind(self) -> str: ...

    @property
    def key_path(self) -> Path: ...


def _sqlite_path(settings: DataFolder) -> Path:
    if settings.database_kind != "sqlite":
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump (and restore with "
            "pg_restore), and copy the signing key "
            f"{settings.key_path} by hand; backup/restore handle the SQLite data folder"
        )
    database = make_url(settings.database_url).database
    if not database:
        raise BackupError("the SQLite URL names no file")
    return Path(database)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_tar(path: Path) -> bool:
    return path.name.endswith((".tar", ".tar.gz", ".tgz"))


def _verify_copy(db: Path, key: Path, progress: Progress | None) -> VerifyReport:
    try:
        public = keyfile.public_raw(keyfile.load_key(key))
    except keyfile.KeyFileError as exc:
        raise RestoreRefused(f"the backup's signing key: {exc}") from None
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return verify_store(
                conn,
                public,
                progress=(lambda done, total: progress("verify", done, total))
                if progress
                else None,
            )
    except Exception as exc:  # a file that is not a coldcheck database at all
        raise RestoreRefused(f"the backup's database cannot be read: {exc}") from None
    finally:
        engine.dispose()


def backup(settings: DataFolder, target: Path, progress: Progress | None = None) -> BackupReport:
    """Copy the database (online, consistent) and the key to a folder or tar file."""
    source = _sqlite_path(settings)
    if not source.exists():
        raise BackupError(f"no database at {source}; run `coldcheck init` first")
    if not settings.key_path.exists():
        raise BackupError(f"no signing key at {settings.key_path}")
    if target.exists() and (_is_tar(target) or any(target.iterdir())):
        raise BackupError(f"{target} already exists; choose a new name")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".coldcheck-backup-", dir=target.parent))
    try:
        os.chmod(staging, 0o700)
        db_copy = staging / DB_MEMBER
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(db_copy)
        pages = 0
        try:

            def step(_status: int, remaining: int, total: int) -> None:
                nonlocal pages
                pages = total
                if progress is not None:
                    progress("copy", total - remaining, total)

            src.backup(dst, pages=256, progress=step)
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
        finally:
            dst.close()
            src.close()
        os.chmod(db_copy, 0o600)
        key_copy = staging / KEY_MEMBER
        shutil.copyfile(settings.key_path, key_copy)
        os.chmod(key_copy, 0o600)
        report = _verify_copy(db_copy, key_copy, progress)
        if not report.ok:
            raise BackupError(f"the live database's ledger does not verify: {report.summary}")
        files = {name: _sha256(staging / name) for name in (DB_MEMBER, KEY_MEMBER)}
        manifest = {
            "format": FORMAT,
            "coldcheck": __version__,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "tree_size": report.tree_size,
            "root_hash": b64encode(report.root_hash),
            "head": report.latest_head.to_json() if report.latest_head else None,
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if _is_tar(target):
            mode = "w:gz" if target.name.endswith(("gz", "tgz")) else "w"
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode=mode) as tar:  # type: ignore[call-overload]
                for name in (MANIFEST, DB_MEMBER, KEY_MEMBER):
                    tar.add(staging / name, arcname=name)
        else:
            if target.exists():
                target.rmdir()
            staging.rename(target)
        return BackupReport(target, report.tree_size, b64encode(report.root_hash), pages, files)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _unpack(source: Path, into: Path) -> Path:
    if source.is_dir():
        return source
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    try:
        with tarfile.open(source) as tar:
            names = set(tar.getnames())
            wanted = {DB_MEMBER, KEY_MEMBER}
            if not wanted <= names:
                raise RestoreRefused(
                    f"{source} is not a coldcheck backup (it lacks {', '.join(wanted - names)})"
                )
            for name in (*wanted, MANIFEST):
                if name in names:
                    tar.extract(name, into, filter="data")
    except tarfile.TarError as exc:
        raise RestoreRefused(f"{source} is not a readable tar file: {exc}") from None
    return into


def restore(
    settings: DataFolder, source: Path, *, force: bool = False, progress: Progress | None = None
) -> RestoreReport:
    """Verify a backup's ledger, then put its database and key into the data folder."""
    target_db = _sqlite_path(settings)
    target_key = settings.key_path
    if (target_db.exists() or target_key.exists()) and not force:
        raise BackupError(
            f"{settings.data_dir} already holds a database or key; stop the server and pass "
            "--force to replace them (the old files are kept beside them)"
        )
    with tempfile.TemporaryDirectory(prefix=".coldcheck-restore-") as tmp:
        folder = _unpack(source, Path(tmp))
        db, key = folder / DB_MEMBER, folder / KEY_MEMBER
        for f in (db, key):
            if not f.exists():
                raise RestoreRefused(f"the backup lacks {f.name}")
        manifest_path = folder / MANIFEST
        if manifest_path.exists():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                files = dict(manifest["files"])
            except (ValueError, KeyError, TypeError) as exc:
                raise RestoreRefused(f"the backup's manifest is unreadable: {exc}") from None
            for name, digest in files.items():
                if name in (DB_MEMBER, KEY_MEMBER) and _sha256(folder / name) != digest:
                    raise RestoreRefused(f"{name} does not match the SHA-256 in the manifest")
        work = Path(tmp) / "check.sqlite3"
        shutil.copyfile(db, work)
        key_mode = 0o600
        os.chmod(key, key_mode)
        report = _verify_copy(work, key, progress)
        if not report.ok:
            raise RestoreRefused(f"the backup's {report.summary}; nothing was restored")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept: list[Path] = []
        for old in (
            target_db,
            target_db.with_name(target_db.name + "-wal"),
            target_db.with_name(target_db.name + "-shm"),
            target_key,
        ):
            if old.exists():
                aside = old.with_name(f"{old.name}.before-restore-{stamp}")
                old.rename(aside)
                kept.append(aside)
        for src, dst, mode in ((db, target_db, 0o600), (key, target_key, 0o600)):
            tmp_dst = dst.with_name(f".{dst.name}.restoring")
            shutil.copyfile(src, tmp_dst)
            os.chmod(tmp_dst, mode)
            os.replace(tmp_dst, dst)
    return RestoreReport(
        settings.data_dir,
        report.tree_size,
        b64encode(report.root_hash),
        tuple(kept),
        report.summary,
    )
