"""Storage faults answered in words: a full disk, a read-only data folder, a database that
cannot be written (issue 15, finding 9).

``watch_storage(engine)`` turns the database errors that mean "the storage cannot take a
write now" into ``StorageUnavailable`` (HTTP 503, with what is wrong and what to do)
instead of a bare 500, and remembers the last such fault until a write commits again
(``StorageHealth.problem``, which the status strip shows). ``probe_write`` is what
``/readyz`` runs: a real committed write in the one-row ``readiness`` table.
"""

from __future__ import annotations

import threading
import weakref
from datetime import UTC, datetime

from sqlalchemy import Column, Integer, Table, delete, event, insert
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from coldcheck.adapters.sql.account_store import UtcDateTime
from coldcheck.adapters.sql.engine import WRITE, writer_lock
from coldcheck.adapters.sql.tables import metadata
from coldcheck.service.errors import StorageUnavailable

__all__ = ["StorageHealth", "probe_write", "readiness", "storage_health", "watch_storage"]

readiness = Table(
    "readiness",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime(), nullable=False),
)
"""One row, rewritten by every ``/readyz``: proof that a write reaches the disk."""

#: (words in the driver's message, what is wrong and what to do)
_FAULTS = (
    (
        ("database or disk is full", "no space left on device", "could not extend file"),
        "the disk holding the database is full; nothing was written. Free space on it"
        " (old backups, exports, logs), then try again",
    ),
    (
        ("readonly database", "read-only", "read only"),
        "the database cannot be written (a read-only data folder, file or disk); nothing"
        " was written. Make the data folder and its files writable by the user running"
        " coldcheck (chmod 700 on the folder, 600 on its files) and try again",
    ),
    (
        ("disk i/o error", "unable to open database file", "input/output error"),
        "the disk holding the database failed to read or write; nothing was written."
        " Check the disk (is it still mounted?), then restart the server",
    ),
)


class StorageHealth:
    """The last storage fault seen on an engine, until a write commits again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._problem: str | None = None

    def failed(self, problem: str) -> None:
        """Remember a fault (what is wrong and what to do)."""
        with self._lock:
            self._problem = problem

    def wrote(self) -> None:
        """A write committed: the storage works again."""
        with self._lock:
            self._problem = None

    def problem(self) -> str | None:
        """What is wrong with the storage now (None: the last write worked)."""
        with self._lock:
            return self._problem


_HEALTH: weakref.WeakKeyDictionary[Engine, StorageHealth] = weakref.WeakKeyDictionary()


def storage_health(engine: Engine) -> StorageHealth:
    """The health record of this engine (made on first use)."""
    engine = getattr(engine, "engine", engine)
    found = _HEALTH.get(engine)
    if found is None:
        found = _HEALTH[engine] = StorageHealth()
    return found


def fault_words(exc: BaseException) -> str | None:
    """What is wrong and what to do, when ``exc`` means the storage cannot take a write."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    for needles, words in _FAULTS:
        if any(n in text for n in needles):
            return words
    return None


def watch_storage(engine: Engine) -> StorageHealth:
    """Answer storage faults as ``StorageUnavailable`` and remember them (see module)."""
    health = storage_health(engine)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        words = fault_words(context.original_exception)
        if words is not None:
            health.failed(words)
            raise StorageUnavailable(words[0].upper() + words[1:] + ".") from None

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Connection) -> None:
        if conn.get_execution_options().get("coldcheck_write"):
            health.wrote()

    return health


def probe_write(engine: Engine) -> str | None:
    """Commit one real write (the ``readiness`` row); None when it worked, else the words."""
    health = storage_health(engine)
    try:
        with writer_lock(engine), engine.execution_options(**WRITE).begin() as conn:
            conn.execute(delete(readiness))
            conn.execute(insert(readiness).values(id=1, at=datetime.now(UTC)))
    except StorageUnavailable as exc:
        return str(exc)
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        words = fault_words(exc) or f"the database refused a write: {exc}"
        health.failed(words)
        return words[0].upper() + words[1:] + "."
    health.wrote()
    return None
