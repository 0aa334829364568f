"""Backups of a SQLite data folder: a consistent online copy of the database, plus the key.

``backup`` copies the live database with SQLite's online backup API (readers
and writers may keep working; the copy is one consistent snapshot), switches
the copy out of WAL mode so it is a single file, verifies the copy's ledger,
and writes ``manifest.json`` with the SHA-256 of every file, the newest
signed head, and an Ed25519 signature by the log's own key over all of that
(RFC 8785 canonical JSON of the manifest without its ``signature``). The
result is a folder, or a ``.tar`` / ``.tar.gz`` (mode 0600: it holds the key).

Crash safety of ``backup``: everything is built inside a staging folder
``.coldcheck-backup-*`` (0700) beside the target, locked while its backup
runs. A tar file is written there, fsynced, and only then linked to its
final name (never over an existing file); a folder is renamed into place.
So a kill leaves either no backup or a whole one under the final name, and
at most a staging folder, which the next backup into the same folder
removes. A tar backup never puts the key on disk outside the archive.

``restore`` runs holding the data folder's lock exclusively (refused while a
server holds it) and in these steps, each made durable before the next:

1. stage: the backup's files are copied into ``.coldcheck-restore-*`` in the
   data folder, the manifest's hashes and signature are checked, and the
   whole ledger is re-checked against the backup's key (read-only); a backup
   that does not verify is refused and nothing in the data folder changes;
2. journal: ``restore-journal.json`` is written (fsync, rename, fsync);
3. the old database (with its ``-wal``/``-shm``) and key are renamed aside as
   ``*.before-restore-<UTC time>``; the staged database, then the key, are
   renamed into place;
4. the journal is removed, then the staging folder.

While the journal is there, ``init``, ``serve`` and every other command
refuse the data folder; the next ``restore`` finishes the steps the journal
names (they need only the staged files), and says so. A kill before the
journal leaves the data folder as it was, plus a staging folder the next
restore removes.

PostgreSQL databases are backed up with ``pg_dump`` (and the key copied by
hand); these functions refuse them with that advice.

Why one file of ~620 lines: backup and restore share the archive format, the
manifest and its signature, the staging and the fault points; each step of both
is a short function, and the recovery of an interrupted restore has to be read
beside the restore itself.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from coldcheck import __version__
from coldcheck.adapters import datafiles, keyfile
from coldcheck.adapters.datafiles import fault_point, fsync_dir
from coldcheck.adapters.sql import migrate
from coldcheck.adapters.sql.audit import verify_connection
from coldcheck.adapters.sql.ledger_verify import verify_store
from coldcheck.ledger.canonical import canonical_json
from coldcheck.ledger.heads import b64encode, log_id_for
from coldcheck.service.exchange import FileError
from coldcheck.service.ports import BackupReport, RestoreReport, VerifyReport

__all__ = ["BackupError", "BackupReport", "RestoreRefused", "RestoreReport", "backup", "restore"]

MANIFEST = "manifest.json"
FORMAT = "coldcheck-backup/2"
UNSIGNED_FORMAT = "coldcheck-backup/1"
"""Backups made before manifests were signed; restored with a warning in the summary."""
JOURNAL_FORMAT = "coldcheck-restore-journal/1"
BACKUP_STAGING = ".coldcheck-backup-"
RESTORE_STAGING = ".coldcheck-restore-"
_LOCK = ".lock"
_STALE_UNLOCKED_AFTER = 3600.0
"""A staging folder without its lock file (a kill right after it was made) is left alone
this many seconds, then removed: it never holds anything then."""
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


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_tar(path: Path) -> bool:
    return path.name.endswith((".tar", ".tar.gz", ".tgz"))


def _verify_copy(db: Path, public: bytes, progress: Progress | None) -> VerifyReport:
    """Re-check a copy's whole ledger, opening it read-only (nothing is written to it)."""
    engine = _read_only(db)
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


def _read_only(db: Path) -> Engine:
    return create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    )


def _full_verify(
    db: Path, key: Ed25519PrivateKey, progress: Progress | None
) -> tuple[VerifyReport, str]:
    """``coldcheck verify`` on a staged copy, read-only: the log, the chain of commits, every
    derived table, the subject index, the security log against the accounts. Refuses
    (``RestoreRefused``) on any difference. A backup of an older schema gets the log check
    only, and the note says so."""
    engine = _read_only(db)
    try:
        revision = migrate.current_revision(engine)
        stage = (lambda s, done, total: progress("verify", done, total)) if progress else None
        if revision != migrate.HEAD_REVISION:
            report = _verify_copy(db, keyfile.public_raw(key), progress)
            return report, (
                f" (a backup of schema {revision}: its log was checked; run `coldcheck init`"
                " then `coldcheck verify` once it is restored)"
            )
        with engine.connect() as conn:
            outcome = verify_connection(conn, key, None, stage)
    except RestoreRefused:
        raise
    except Exception as exc:  # a file that is not a coldcheck database at all
        raise RestoreRefused(f"the backup's database cannot be read: {exc}") from None
    finally:
        engine.dispose()
    if outcome.ledger.ok and outcome.photo_problems:
        raise RestoreRefused(
            f"the backup lacks a weapon photo its log names: {outcome.photo_problems[0]};"
            " nothing was restored"
        )
    if outcome.ledger.ok and outcome.derived_problems:
        more = len(outcome.derived_problems) - 1
        raise RestoreRefused(
            f"the backup's database differs from its own log: {outcome.derived_problems[0]}"
            + (f" (and {more} more)" if more else "")
            + "; nothing was restored"
        )
    return outcome.ledger, ""


# -- staging folders -------------------------------------------------------------------------


@contextmanager
def _staging(parent: Path, prefix: str) -> Iterator[Path]:
    """A new 0700 folder in ``parent``, locked while the block runs, removed after it."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))  # mkdtemp makes it 0700
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def _remove_stale(parent: Path, prefix: str) -> list[Path]:
    """Remove staging folders no running backup or restore holds; those removed."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    for folder in parent.iterdir():
        if not folder.name.startswith(prefix) or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            fd = os.open(folder / _LOCK, os.O_RDWR)
        except FileNotFoundError:
            if time.time() - folder.stat().st_mtime > _STALE_UNLOCKED_AFTER:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another backup or restore is using it right now
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(fd)
    if removed:
        fsync_dir(parent)
    return removed


# -- the signed manifest ---------------------------------------------------------------------


def _signed(manifest: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return {**body, "signature": b64encode(key.sign(canonical_json(body)))}


def _check_signature(manifest: dict[str, Any], public: bytes) -> None:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    try:
        signature = base64.b64decode(str(manifest["signature"]), validate=True)
        Ed25519PublicKey.from_public_bytes(public).verify(signature, canonical_json(body))
    except (KeyError, ValueError, InvalidSignature):
        raise RestoreRefused(
            "the backup's manifest is not signed by the backup's log key (it was changed"
            " after the backup was made); nothing was restored"
        ) from None
    if manifest.get("public_key") != b64encode(public):
        raise RestoreRefused("the manifest names another public key than the backup's key")


# -- backup ----------------------------------------------------------------------------------


def backup(settings: DataFolder, target: Path, progress: Progress | None = None) -> BackupReport:
    """Copy the database (online, consistent) and the key to a folder or tar file."""
    source = _sqlite_path(settings)
    if not source.exists():
        raise BackupError(f"no database at {source}; run `coldcheck init` first")
    try:
        key = keyfile.load_key(settings.key_path)
        key_pem = settings.key_path.read_bytes()
    except (keyfile.KeyFileError, OSError) as exc:
        raise BackupError(f"the signing key: {exc}") from None
    if target.exists() and (_is_tar(target) or not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists; choose a new name")
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(parent, BACKUP_STAGING)
    with _staging(parent, BACKUP_STAGING) as staging:
        content = staging / "backup"
        content.mkdir(mode=0o700)
        db_copy = content / DB_MEMBER
        pages = _copy_database(source, db_copy, progress)
        fault_point("backup:db-copied")
        public = keyfile.public_raw(key)
        report = _verify_copy(db_copy, public, progress)
        if not report.ok:
            raise BackupError(f"the live database's ledger does not verify: {report.summary}")
        files = {DB_MEMBER: _sha256(db_copy), KEY_MEMBER: hashlib.sha256(key_pem).hexdigest()}
        manifest = _signed(
            {
                "format": FORMAT,
                "coldcheck": __version__,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "tree_size": report.tree_size,
                "root_hash": b64encode(report.root_hash),
                "head": report.latest_head.to_json() if report.latest_head else None,
                "public_key": b64encode(public),
                "files": files,
            },
            key,
        )
        manifest_bytes = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
        if _is_tar(target):
            _write_tar(staging / "archive", target, manifest_bytes, db_copy, key_pem)
        else:
            _write_folder(content, target, manifest_bytes, key_pem)
        fault_point("backup:renamed")
    return BackupReport(target, report.tree_size, b64encode(report.root_hash), pages, files)


def _copy_database(source: Path, db_copy: Path, progress: Progress | None) -> int:
    fd = os.open(db_copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
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
    _fsync(db_copy)
    return pages


def _tar_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _write_tar(partial: Path, target: Path, manifest: bytes, db_copy: Path, key_pem: bytes) -> None:
    mode = "w:gz" if target.name.endswith(("gz", "tgz")) else "w"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw:
        with tarfile.open(fileobj=raw, mode=mode) as tar:  # type: ignore[call-overload]
            _tar_bytes(tar, MANIFEST, manifest)
            info = tar.gettarinfo(db_copy, arcname=DB_MEMBER)
            info.mode = 0o600
            with db_copy.open("rb") as f:
                tar.addfile(info, f)
            fault_point("backup:archive-partial")
            _tar_bytes(tar, KEY_MEMBER, key_pem)
        raw.flush()
        os.fsync(raw.fileno())
    fault_point("backup:archive-written")
    try:
        os.link(partial, target)  # fails if the name was taken meanwhile: never overwrites
    except FileExistsError:
        raise BackupError(f"{target} already exists; choose a new name") from None
    except OSError:  # a file system without hard links (FAT, some network shares)
        if target.exists():
            raise BackupError(f"{target} already exists; choose a new name") from None
        os.rename(partial, target)
    fsync_dir(target.parent)


def _write_folder(content: Path, target: Path, manifest: bytes, key_pem: bytes) -> None:
    for name, data in ((KEY_MEMBER, key_pem), (MANIFEST, manifest)):
        fd = os.open(content / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    fsync_dir(content)
    fault_point("backup:folder-written")
    if target.exists():
        target.rmdir()  # checked empty above
    content.rename(target)
    fsync_dir(target.parent)


# -- restore ---------------------------------------------------------------------------------


def _stage_member(src: Any, dst: Path) -> None:
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def _stage(source: Path, staging: Path) -> None:
    """Copy the backup's three files into ``staging`` (0600 each, fsynced)."""
    wanted = (MANIFEST, DB_MEMBER, KEY_MEMBER)
    if source.is_dir():
        for name in wanted:
            path = source / name
            if not path.is_file():
                raise RestoreRefused(f"{source} is not a coldcheck backup (it lacks {name})")
        for name in wanted:
            with (source / name).open("rb") as f:
                _stage_member(f, staging / name)
            fault_point(f"restore:staging-{name}")
        return
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    try:
        with tarfile.open(source) as tar:
            members = {m.name: m for m in tar.getmembers()}
            missing = [n for n in wanted if n not in members]
            if missing:
                raise RestoreRefused(
                    f"{source} is not a coldcheck backup (it lacks {', '.join(missing)})"
                )
            for name in wanted:
                member = members[name]
                stream = tar.extractfile(member) if member.isfile() else None
                if stream is None:
                    raise RestoreRefused(f"{name} in {source} is not a regular file")
                with stream:
                    _stage_member(stream, staging / name)
                fault_point(f"restore:staging-{name}")
    except (tarfile.TarError, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise RestoreRefused(f"{source} is not a readable backup: {exc}") from None


def _check_staged(staging: Path, progress: Progress | None) -> tuple[VerifyReport, bytes, str]:
    """Manifest, hashes, signature and the whole ledger; (report, public key, note)."""
    raw = (staging / MANIFEST).read_bytes()
    try:
        manifest = json.loads(raw)
        files = dict(manifest["files"])
        fmt = manifest["format"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RestoreRefused(f"the backup's manifest is unreadable: {exc}") from None
    if fmt not in (FORMAT, UNSIGNED_FORMAT):
        raise RestoreRefused(f"the manifest's format {fmt!r} is not {FORMAT}")
    for name in (DB_MEMBER, KEY_MEMBER):
        if files.get(name) != _sha256(staging / name):
            raise RestoreRefused(f"{name} does not match the SHA-256 in the manifest")
    try:
        public = keyfile.public_raw(keyfile.load_key(staging / KEY_MEMBER))
    except keyfile.KeyFileError as exc:
        raise RestoreRefused(f"the backup's signing key: {exc}") from None
    note = ""
    if fmt == FORMAT:
        _check_signature(manifest, public)
    else:
        note = " (an older backup: its manifest is not signed)"
    report, older = _full_verify(
        staging / DB_MEMBER, keyfile.load_key(staging / KEY_MEMBER), progress
    )
    note += older
    if not report.ok:
        raise RestoreRefused(f"the backup's {report.summary}; nothing was restored")
    newest = report.latest_head.to_json() if report.latest_head else None
    if fmt == FORMAT and (
        manifest.get("head") != newest or manifest.get("tree_size") != report.tree_size
    ):
        raise RestoreRefused(
            "the manifest's signed head is not the newest head of the backup's database"
        )
    return report, public, note


def _write_journal(data: Path, journal: dict[str, Any]) -> None:
    path = data / datafiles.JOURNAL_NAME
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(journal, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    fsync_dir(data)


def _aside(path: Path, stamp: str) -> Path:
    return path.with_name(f"{path.name}.before-restore-{stamp}")


def _targets(settings: DataFolder) -> tuple[Path, Path, Path, Path]:
    db = _sqlite_path(settings)
    return (
        db,
        db.with_name(db.name + "-wal"),
        db.with_name(db.name + "-shm"),
        settings.key_path,
    )


def _move_aside(path: Path, stamp: str, step: str) -> None:
    if not path.exists():
        return
    aside = _aside(path, stamp)
    if aside.exists():
        raise BackupError(
            f"both {path} and {aside} exist; the interrupted restore cannot tell which to keep."
            " Move one of them out of the data folder and run restore again"
        )
    path.rename(aside)
    fsync_dir(path.parent)
    fault_point(step)


def _roll_forward(settings: DataFolder, journal: dict[str, Any]) -> tuple[Path, ...]:
    """Do every step of the journal not done yet (each is idempotent); the files kept."""
    data = settings.data_dir
    stamp = str(journal["stamp"])
    staging = data / str(journal["staging"])
    db, wal, shm, key = _targets(settings)
    staged_db, staged_key = staging / DB_MEMBER, staging / KEY_MEMBER
    if not staging.is_dir():
        raise BackupError(
            f"the restore journal names {staging}, which is gone; the data folder cannot be"
            f" finished automatically: remove {data / datafiles.JOURNAL_NAME} and restore"
            " again with --force"
        )
    if staged_db.exists():  # the old database's WAL and SHM must never meet the new file
        _move_aside(wal, stamp, "restore:aside-wal")
        _move_aside(shm, stamp, "restore:aside-shm")
        _move_aside(db, stamp, "restore:aside-db")
    if staged_key.exists():
        _move_aside(key, stamp, "restore:aside-key")
    if staged_db.exists():
        os.rename(staged_db, db)
        fsync_dir(data)
        fault_point("restore:db-installed")
    if staged_key.exists():
        os.rename(staged_key, key)
        fsync_dir(data)
        fault_point("restore:key-installed")
    (data / datafiles.JOURNAL_NAME).unlink()
    fsync_dir(data)
    fault_point("restore:journal-removed")
    shutil.rmtree(staging, ignore_errors=True)
    return tuple(_aside(p, stamp) for p in (db, wal, shm, key) if _aside(p, stamp).exists())


def _read_journal(settings: DataFolder) -> dict[str, Any] | None:
    path = settings.data_dir / datafiles.JOURNAL_NAME
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BackupError(f"the restore journal {path} is unreadable: {exc}") from None
    if not isinstance(journal, dict) or journal.get("format") != JOURNAL_FORMAT:
        raise BackupError(f"{path} is not a coldcheck restore journal")
    return journal


def restore(
    settings: DataFolder, source: Path, *, force: bool = False, progress: Progress | None = None
) -> RestoreReport:
    """Verify a backup's ledger, then put its database and key into the data folder.

    First finishes a restore that was interrupted (see the module docstring); if that
    was a restore of this same backup, that is all it does.
    """
    _sqlite_path(settings)  # refuses PostgreSQL
    data = settings.data_dir
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        data.mkdir(mode=0o700)
        os.chmod(data, 0o700)
    try:
        lock = datafiles.exclusive_lock(data)
        with lock:
            return _restore_locked(settings, source, force, progress)
    except datafiles.DataFolderError as exc:  # a server holds the folder
        raise BackupError(str(exc)) from None


def _restore_locked(
    settings: DataFolder, source: Path, force: bool, progress: Progress | None
) -> RestoreReport:
    db, _, _, key = _targets(settings)
    data = settings.data_dir
    journal = _read_journal(settings)
    if journal is not None:
        kept = _roll_forward(settings, journal)
        finished = RestoreReport(
            data,
            int(journal["tree_size"]),
            str(journal["root_hash"]),
            kept,
            f"finished the interrupted restore of {journal['backup']}: {journal['summary']}",
        )
        if journal["backup"] == str(source.resolve()):
            return finished
    _remove_stale(data, RESTORE_STAGING)
    with contextlib.suppress(FileNotFoundError):
        (data / (datafiles.JOURNAL_NAME + ".tmp")).unlink()
    if (db.exists() or key.exists()) and not force:
        raise BackupError(
            f"{data} already holds a database or key; stop the server and pass "
            "--force to replace them (the old files are kept beside them)"
        )
    return _restore_new(settings, source, progress)


def _free_stamp(settings: DataFolder) -> str:
    """A UTC time for the ``*.before-restore-<time>`` names that no file has yet."""
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stamp, n = base, 1
    while any(_aside(p, stamp).exists() for p in _targets(settings)):
        n += 1
        stamp = f"{base}-{n}"
    return stamp


def _restore_new(settings: DataFolder, source: Path, progress: Progress | None) -> RestoreReport:
    data = settings.data_dir
    with _staging(data, RESTORE_STAGING) as staging:
        _stage(source, staging)
        report, public, note = _check_staged(staging, progress)
        fsync_dir(staging)
        fault_point("restore:staged")
        summary = f"{report.summary}{note}; log id {b64encode(log_id_for(public))}"
        journal = {
            "format": JOURNAL_FORMAT,
            "backup": str(source.resolve()),
            "staging": staging.name,
            "stamp": _free_stamp(settings),
            "tree_size": report.tree_size,
            "root_hash": b64encode(report.root_hash),
            "summary": summary,
        }
        _write_journal(data, journal)
        fault_point("restore:journal-written")
        kept = _roll_forward(settings, journal)
    return RestoreReport(data, report.tree_size, b64encode(report.root_hash), kept, summary)
