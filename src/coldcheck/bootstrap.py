"""All wiring lives here: ``init_data`` prepares a data folder, ``build`` makes the App."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from coldcheck.adapters import datafiles, keyfile
from coldcheck.adapters.sql import migrate, projections
from coldcheck.adapters.sql.account_store import SqlAccountStore
from coldcheck.adapters.sql.engine import WRITE, make_engine, writer_lock
from coldcheck.adapters.sql.ledger_store import SqlLedger
from coldcheck.adapters.sql.ledger_verify import VerifyReport, verify_store
from coldcheck.adapters.sql.queries import SqlReadModel
from coldcheck.adapters.sql.store import SqlUnitOfWorkFactory, snapshot_key
from coldcheck.config import DB_FILE_NAME, Settings
from coldcheck.domain.ids import ProductionId
from coldcheck.ledger.bundle import BundleEntry, build_bundle
from coldcheck.ledger.heads import SignedTreeHead, log_id_for, public_key_raw
from coldcheck.service import demo
from coldcheck.service.accounts import AccountService, AccountStore, Argon2Hasher, SecretHasher
from coldcheck.service.alerts import AlertHub
from coldcheck.service.custody import CustodyService
from coldcheck.service.demo import DemoPerson
from coldcheck.service.ports import Clock, FixedClock, SystemClock
from coldcheck.service.queries import ReadModel
from coldcheck.service.session_cache import SessionCache
from coldcheck.service.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class InitReport:
    """What ``init_data`` found and did, for the CLI to say."""

    data_dir: Path
    database_url: str
    created_dir: bool
    migrated_from: str | None
    migrated_to: str
    created_key: bool

    @property
    def changed(self) -> bool:
        """True when anything was created or upgraded."""
        return self.created_dir or self.created_key or self.migrated_from != self.migrated_to


def init_data(settings: Settings) -> InitReport:
    """Create the data folder, bring the database to the newest schema, make the key.

    Safe to run again: what exists is kept, and the report says so.
    """
    created_dir = datafiles.prepare_for_init(settings)
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
        datafiles.refuse_new_key_for_signed_log(engine, settings.key_path)
    finally:
        engine.dispose()
    created_key = keyfile.create_key(settings.key_path)
    return InitReport(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        created_dir=created_dir,
        migrated_from=before,
        migrated_to=after or "",
        created_key=created_key,
    )


@dataclass
class App:
    """Everything a running coldcheck needs, wired once."""

    settings: Settings
    engine: Engine
    signing_key: Ed25519PrivateKey
    uow: UnitOfWorkFactory
    custody: CustodyService
    reads: ReadModel
    accounts: AccountService
    alerts: AlertHub
    clock: Clock = field(default_factory=SystemClock)
    sessions: SessionCache = field(default_factory=SessionCache)
    folder_lock: datafiles.FolderLock | None = None

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key of the log."""
        return public_key_raw(self.signing_key)

    @property
    def log_id(self) -> bytes:
        """SHA-256 of the public key."""
        return log_id_for(self.public_key)

    @contextmanager
    def account_store(self, *, write: bool = True) -> Iterator[AccountStore]:
        """An account store inside one transaction, committed when the block ends."""
        if not write:
            with self.engine.begin() as conn:
                yield SqlAccountStore(conn)
            return
        with writer_lock(self.engine), self.engine.execution_options(**WRITE).begin() as conn:
            yield SqlAccountStore(conn)

    def close(self) -> None:
        """Release the database connections (and a server's hold on the data folder)."""
        self.engine.dispose()
        if self.folder_lock is not None:
            self.folder_lock.release()


class NotInitialised(Exception):
    """The data folder or database has not been set up; run ``coldcheck init``."""


def build(
    settings: Settings,
    clock: Clock | None = None,
    hasher: SecretHasher | None = None,
    pin_hasher: SecretHasher | None = None,
    serving: bool = False,
) -> App:
    """Open the database and key named by ``settings`` and wire the services.

    ``hasher`` lets tests use cheap argon2 parameters; production uses the defaults.
    ``serving``: hold the data folder's server lock while the App lives (restore checks it).
    """
    try:
        lock = datafiles.hold_shared_lock(settings.data_dir) if serving else None
        datafiles.check_before_open(settings)
    except datafiles.DataFolderError as exc:
        raise NotInitialised(str(exc)) from None
    if settings.database_kind == "sqlite" and not settings.database_url_override:
        db_file = settings.data_dir / DB_FILE_NAME
        if not db_file.exists():
            raise NotInitialised(f"no database at {db_file}; run `coldcheck init` first")
    engine = make_engine(settings.database_url)
    try:
        revision = migrate.current_revision(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise NotInitialised(
            f"cannot open the database at {settings.database_url}:"
            f" {getattr(exc, 'orig', None) or exc}"
        ) from None
    if revision != migrate.HEAD_REVISION:
        engine.dispose()
        raise NotInitialised(
            f"the database at {settings.database_url} is not at the newest schema;"
            " run `coldcheck init` first"
        )
    try:
        key = keyfile.load_key(settings.key_path)
    except keyfile.KeyFileError as exc:
        engine.dispose()
        raise NotInitialised(str(exc)) from None
    watched = datafiles.sqlite_file(settings)
    if watched is not None and watched.exists():
        datafiles.watch_database_file(engine, watched)
    clock = clock or SystemClock()
    alerts = AlertHub()
    uow = SqlUnitOfWorkFactory(engine, key)
    return App(
        settings=settings,
        engine=engine,
        signing_key=key,
        uow=uow,
        custody=CustodyService(uow, clock, alerts),
        reads=SqlReadModel(engine),
        accounts=AccountService(
            hasher or Argon2Hasher(),
            pin_hasher=pin_hasher or hasher or Argon2Hasher.for_pins(),
        ),
        alerts=alerts,
        clock=clock,
        folder_lock=lock,
    )


def load_demo(app: App) -> list[DemoPerson]:
    """Load the demo production "Dry Gulch" through the real rules and ledger."""
    now = app.clock.now()
    custody = CustodyService(app.uow, FixedClock(now), app.alerts)
    people = demo.load_demo(custody, app.accounts, app.account_store, now)
    if isinstance(app.uow, SqlUnitOfWorkFactory):
        app.uow.cache.clear()
    return people


@dataclass(frozen=True)
class VerifyOutcome:
    """What ``coldcheck verify`` found: the ledger report and any read-table differences."""

    ledger: VerifyReport
    derived_problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the log and everything derived from it check out."""
        return self.ledger.ok and not self.derived_problems


def verify_all(
    app: App,
    trusted_head: SignedTreeHead | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> VerifyOutcome:
    """Re-check the whole log, its heads, and the derived tables against a replay."""
    with app.engine.connect() as conn, conn.begin():
        total = SqlLedger(conn).size()
        report = verify_store(
            conn,
            app.public_key,
            trusted_head,
            progress=(lambda done, n: progress("ledger", done, n)) if progress else None,
        )
        if not report.ok:
            return VerifyOutcome(report, ())
        derived = projections.check(
            conn,
            snapshot_key(app.signing_key),
            (lambda done: progress("replay", done, total)) if progress else None,
        )
    return VerifyOutcome(report, tuple(derived))


def rebuild_read_tables(app: App) -> int:
    """Rebuild the event index, read tables and snapshots from the log; events replayed."""
    with app.engine.execution_options(**WRITE).begin() as conn:
        count = projections.rebuild(conn)
    if isinstance(app.uow, SqlUnitOfWorkFactory):
        app.uow.cache.clear()
    return count


def evidence_bundle(
    app: App,
    production: ProductionId,
    ref: str | None,
    start: datetime | None,
    end: datetime | None,
) -> tuple[bytes, int]:
    """An evidence bundle of the production's entries about ``ref`` within [start, end].

    Every entry gets its inclusion proof against the newest signed head.
    Returns the zip bytes and the number of entries in it.
    """
    head = app.reads.ledger_head()
    if head is None:
        raise ValueError("the log is empty: there is nothing to export")
    chosen = [
        item
        for item in app.reads.timeline(production, ref, limit=1_000_000)
        if item.seq < head.tree_size
        and (start is None or item.event.at >= start)
        and (end is None or item.event.at <= end)
    ]
    if not chosen:
        what = f"about {ref}" if ref else "for that production"
        raise ValueError(f"no entries {what} in that period; check the tag and the dates")
    entries = []
    for item in chosen:
        (stored,) = app.reads.ledger_entries(item.seq, item.seq)
        proof = app.reads.inclusion_proof(item.seq, head.tree_size)
        entries.append(BundleEntry(item.seq, stored.entry, tuple(proof)))
    period = f"{start.isoformat() if start else 'the start'} to {end.isoformat() if end else 'now'}"
    description = (
        f"coldcheck evidence for production {production}"
        f"{f', {ref}' if ref else ''}, {period}: {len(entries)} entries."
    )
    return build_bundle(entries, head, app.public_key, description=description), len(entries)


# -- files for the CLI's data commands (cli_data): adapters imported only when used ----------

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from coldcheck.adapters.backup import BackupReport, RestoreReport
    from coldcheck.ledger.heads import SignedTreeHead
    from coldcheck.service.exchange import Table
    from coldcheck.service.reports import CustodyReport, DailyReport, IncidentReport, LabelItem


def closing_head(app: App, before: datetime | None) -> SignedTreeHead | None:
    """The newest signed tree head signed before ``before`` (the newest of all if None)."""
    if before is None:
        return app.reads.ledger_head()
    with app.engine.connect() as conn:
        return SqlLedger(conn).latest_head_before(int(before.timestamp() * 1000))


def read_csv(path: Path) -> Table:
    """Parse a CSV file (raises ``service.exchange.FileError``)."""
    from coldcheck.adapters import csv_io

    return csv_io.read_csv(path)


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file, neutralising formula injection."""
    from coldcheck.adapters import csv_io

    csv_io.write_csv(path, columns, rows)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """CSV text (for stdout), neutralising formula injection."""
    from coldcheck.adapters import csv_io

    return csv_io.dump_csv(columns, rows)


def render_report(
    report: DailyReport | CustodyReport | IncidentReport, path: Path, paper: str
) -> None:
    """Write a report as PDF."""
    from coldcheck.adapters import pdf
    from coldcheck.service.reports import CustodyReport, DailyReport

    if isinstance(report, DailyReport):
        pdf.daily_pdf(report, path, paper)
    elif isinstance(report, CustodyReport):
        pdf.custody_pdf(report, path, paper)
    else:
        pdf.incident_pdf(report, path, paper)


def render_labels(items: Sequence[LabelItem], path: Path, layout: str) -> int:
    """Write QR label sheets as PDF; the number of pages."""
    from coldcheck.adapters import pdf

    return pdf.labels_pdf(items, path, layout)


def backup_data(
    settings: Settings, target: Path, progress: Callable[[str, int, int], None] | None = None
) -> BackupReport:
    """Consistent online copy of the SQLite database and the key (raises ``FileError``)."""
    from coldcheck.adapters import backup

    return backup.backup(settings, target, progress)


def restore_data(
    settings: Settings,
    source: Path,
    *,
    force: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> RestoreReport:
    """Put a backup in place after its ledger verifies (raises ``FileError``)."""
    from coldcheck.adapters import backup

    return backup.restore(settings, source, force=force, progress=progress)
