"""The data folder on disk: who may read it, who holds it, and whether it is whole.

What protects what:

* The data folder is made 0700 and the SQLite database 0600 by ``coldcheck
  init`` (SQLite gives its ``-wal`` and ``-shm`` files the database's mode);
  opening refuses a database, WAL or SHM file that others can read or write,
  as ``keyfile.load_key`` refuses such a key, saying what to run.
* A server holds a shared lock on ``coldcheck.lock`` in the data folder for
  as long as it runs (several server processes may share one database);
  ``coldcheck restore`` takes it exclusively, so it refuses while any server
  runs, and a server cannot start while a restore runs.
* ``restore-journal.json`` in the data folder marks a restore that was
  interrupted; nothing opens the data folder while it is there, and the next
  ``coldcheck restore`` finishes it (see ``adapters.backup``).
* A running server checks before and at the commit of every transaction that
  the database file is still the one it opened (same device and inode), so a
  file renamed aside under it gets no acknowledged write.
* ``init`` refuses to make a new signing key for a database that already
  holds signed heads: the key is missing and must come back from a backup.

``fault_point`` lets the tests SIGKILL the process at a named step
(``COLDCHECK_FAULT=restore:db-installed``); nothing else sets that variable.
"""

from __future__ import annotations

import fcntl
import os
import signal
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from coldcheck.service.errors import StorageUnavailable

__all__ = [
    "JOURNAL_NAME",
    "LOCK_NAME",
    "DataFolderError",
    "DatabaseReplaced",
    "FolderLock",
    "check_before_open",
    "exclusive_lock",
    "fault_point",
    "fsync_dir",
    "hold_shared_lock",
    "prepare_for_init",
    "refuse_new_key_for_signed_log",
    "sqlite_file",
    "watch_database_file",
]

LOCK_NAME = "coldcheck.lock"
JOURNAL_NAME = "restore-journal.json"
FAULT_ENV = "COLDCHECK_FAULT"
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


class DataFolderError(StorageUnavailable):
    """The data folder is not safe to open or change now; the message says what to do."""


class DatabaseReplaced(DataFolderError):
    """The database file was replaced or removed under a running server."""


class DataSettings(Protocol):
    """What these checks need of the settings."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def database_url(self) -> str: ...

    @property
    def database_kind(self) -> str: ...

    @property
    def key_path(self) -> Path: ...


def fault_point(step: str) -> None:
    """SIGKILL this process here if ``COLDCHECK_FAULT`` names ``step`` (tests only)."""
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def fsync_dir(folder: Path) -> None:
    """Make the folder's entries (new names, renames, removals) durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sqlite_file(settings: DataSettings) -> Path | None:
    """The SQLite database file the settings name, or None (PostgreSQL, in-memory)."""
    if settings.database_kind != "sqlite":
        return None
    name = make_url(settings.database_url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _companions(db: Path) -> tuple[Path, Path, Path]:
    return db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")


def _refuse_open_files(db: Path) -> None:
    too_open = []
    for f in _companions(db):
        try:
            mode = f.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & _OTHERS:
            too_open.append((f, stat.S_IMODE(mode)))
    if too_open:
        names = " ".join(str(f) for f, _ in too_open)
        modes = ", ".join(f"{f.name} mode {m:o}" for f, m in too_open)
        raise DataFolderError(
            f"the database can be read or written by others ({modes}); a copy of it holds"
            f" every account's password and PIN hashes. Run `chmod 600 {names}`"
        )


def _refuse_interrupted_restore(data_dir: Path) -> None:
    journal = data_dir / JOURNAL_NAME
    if journal.exists():
        source = _journal_source(journal)
        again = f"coldcheck restore {source}" if source else "coldcheck restore BACKUP"
        raise DataFolderError(
            f"a restore into {data_dir} was interrupted ({journal} is there), so the"
            f" database and key may not belong together yet; run `{again}` again to"
            " finish it before anything else"
        )


def _journal_source(journal: Path) -> str | None:
    import json

    try:
        value = json.loads(journal.read_text(encoding="utf-8")).get("backup")
    except (OSError, ValueError, AttributeError):
        return None
    return str(value) if isinstance(value, str) else None


def check_before_open(settings: DataSettings) -> None:
    """Refuse a data folder mid-restore, or a database file that others can read or write."""
    _refuse_interrupted_restore(settings.data_dir)
    db = sqlite_file(settings)
    if db is not None:
        _refuse_open_files(db)


def prepare_for_init(settings: DataSettings) -> bool:
    """Make the data folder (0700) and an empty SQLite file (0600) if missing; True if the
    folder was made. Refuses like ``check_before_open`` first."""
    _refuse_interrupted_restore(settings.data_dir)
    created = not settings.data_dir.exists()
    if created:
        settings.data_dir.parent.mkdir(parents=True, exist_ok=True)
        settings.data_dir.mkdir(mode=0o700)
        os.chmod(settings.data_dir, 0o700)  # whatever the umask
    db = sqlite_file(settings)
    if db is None:
        return created
    _refuse_open_files(db)
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        # SQLite takes an empty file for an empty database and gives its -wal and -shm
        # files this file's mode, so all three stay 0600.
        fd = os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.chmod(db, 0o600)
    return created


def refuse_new_key_for_signed_log(engine: Engine, key_path: Path) -> None:
    """Refuse to make a signing key when the database already holds signed heads."""
    if key_path.exists():
        return
    try:
        with engine.connect() as conn:
            heads = conn.execute(text("SELECT count(*) FROM ledger_heads")).scalar_one()
    except SQLAlchemyError:
        return  # no ledger yet
    if heads:
        raise DataFolderError(
            f"the database already holds {heads} signed tree heads, but their signing key"
            f" {key_path} is missing. A new key would make every one of them unverifiable:"
            " restore the key from your backup (`coldcheck restore BACKUP --force`, or copy"
            f" ledger-signing-key.pem from it to {key_path} with mode 0600)"
        )


def watch_database_file(engine: Engine, db: Path) -> None:
    """Refuse every transaction once ``db`` is no longer the file the engine opened."""
    opened = db.stat()
    identity = (opened.st_dev, opened.st_ino)

    def check() -> None:
        try:
            now = db.stat()
        except FileNotFoundError:
            now = None
        if now is None or (now.st_dev, now.st_ino) != identity:
            raise DatabaseReplaced(
                f"the database file {db} was replaced or moved while this server ran;"
                " nothing was written. Stop this server and start it again on the data"
                " folder as it is now"
            )

    @event.listens_for(engine, "begin", insert=True)
    def _before_begin(_conn: Connection) -> None:
        check()

    @event.listens_for(engine, "commit")
    def _before_commit(_conn: Connection) -> None:
        check()


class FolderLock:
    """An open, locked ``coldcheck.lock``; released by ``release`` or when the process ends."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:  # pragma: no cover - interpreter shutdown
        self.release()


def _open_lock(data_dir: Path) -> int:
    return os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)


def hold_shared_lock(data_dir: Path) -> FolderLock | None:
    """A server's hold on the data folder (None when the folder does not exist)."""
    if not data_dir.is_dir():
        return None
    fd = _open_lock(data_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DataFolderError(
            f"a restore is running in {data_dir}; start the server when it has finished"
        ) from None
    return FolderLock(fd)


@contextmanager
def exclusive_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data folder alone (for a restore); refused while a server holds it."""
    fd = _open_lock(data_dir)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataFolderError(
                f"a coldcheck server (or another restore) is using {data_dir}; stop every"
                " `coldcheck serve` on it, then restore"
            ) from None
        yield
    finally:
        os.close(fd)
