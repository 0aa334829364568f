"""Wiring only: ``init_data`` prepares a data folder, ``build`` makes the App, ``load_demo``.

Nothing here decides anything: every use case lives in ``coldcheck.service``
and owns its transaction; the App only holds the pieces, wired once, for
the entry points (HTTP, pages, CLI), which never import an adapter.
``documents`` gives the CLI its files (CSV, PDF, labels, backups) for a data
folder, even before a database exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from coldcheck.adapters import datafiles, keyfile, tls
from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.documents import FileDocuments
from coldcheck.adapters.sql import migrate
from coldcheck.adapters.sql.account_store import SqlAccountTransactions
from coldcheck.adapters.sql.audit import SqlLedgerAudit
from coldcheck.adapters.sql.confirmation_store import SqlConfirmationTransactions
from coldcheck.adapters.sql.engine import make_engine
from coldcheck.adapters.sql.queries import SqlReadModel
from coldcheck.adapters.sql.store import SqlUnitOfWorkFactory
from coldcheck.adapters.webauthn import PyWebAuthn
from coldcheck.config import DB_FILE_NAME, Settings
from coldcheck.ledger.heads import log_id_for, public_key_raw
from coldcheck.service import demo
from coldcheck.service.account_model import SecretHasher
from coldcheck.service.accounts import AccountService
from coldcheck.service.alerts import AlertHub
from coldcheck.service.confirmations import ConfirmationService
from coldcheck.service.custody import CustodyService
from coldcheck.service.demo import DemoPerson
from coldcheck.service.passkeys import PasskeyService
from coldcheck.service.ports import (
    CartCertificate,
    Clock,
    Documents,
    FixedClock,
    LedgerAudit,
    SystemClock,
    UnitOfWorkFactory,
)
from coldcheck.service.queries import ReadModel


@dataclass(frozen=True)
class InitReport:
    """What ``init_data`` found and did, for the CLI to say."""

    data_dir: Path
    database_url: str
    created_dir: bool
    migrated_from: str | None
    migrated_to: str
    created_key: bool
    created_tls: bool = False

    @property
    def changed(self) -> bool:
        """True when anything was created or upgraded."""
        return (
            self.created_dir
            or self.created_key
            or self.created_tls
            or self.migrated_from != self.migrated_to
        )


def init_data(settings: Settings, addresses: Sequence[str] = ()) -> InitReport:
    """Create the data folder, bring the database to the newest schema, make the key,
    and the cart's HTTPS certificate for its names and addresses (and ``addresses``).

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
    created_tls = tls.ensure_cart_certificate(
        settings.tls_dir, tls.cart_addresses(addresses), tls.now_utc()
    )
    return InitReport(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        created_dir=created_dir,
        migrated_from=before,
        migrated_to=after or "",
        created_key=created_key,
        created_tls=created_tls,
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
    audit: LedgerAudit
    documents: Documents
    confirmations: ConfirmationService
    passkeys: PasskeyService
    clock: Clock = field(default_factory=SystemClock)
    folder_lock: datafiles.FolderLock | None = None
    tls: CartCertificate | None = None

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key of the log."""
        return public_key_raw(self.signing_key)

    @property
    def log_id(self) -> bytes:
        """SHA-256 of the public key."""
        return log_id_for(self.public_key)

    def close(self) -> None:
        """Release the database connections (and a server's hold on the data folder)."""
        self.engine.dispose()
        if self.folder_lock is not None:
            self.folder_lock.release()


class NotInitialised(Exception):
    """The data folder or database has not been set up; run ``coldcheck init``."""


def documents(settings: Settings) -> Documents:
    """The files of a data folder: CSV, PDF reports, labels, backup and restore."""
    return FileDocuments(settings)


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
    except datafiles.DataFolderError as exc:
        raise NotInitialised(str(exc)) from None
    try:
        return _open(settings, lock, clock, hasher, pin_hasher)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def _open(
    settings: Settings,
    lock: datafiles.FolderLock | None,
    clock: Clock | None,
    hasher: SecretHasher | None,
    pin_hasher: SecretHasher | None,
) -> App:
    try:
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
    accounts = AccountService(
        SqlAccountTransactions(engine),
        clock,
        hasher or Argon2Hasher(),
        pin_hasher=pin_hasher or hasher or Argon2Hasher.for_pins(),
        web_session_ttl=timedelta(hours=settings.session_hours),
    )
    custody = CustodyService(uow, clock, alerts)
    confirmations = ConfirmationService(SqlConfirmationTransactions(engine), accounts, clock)
    reads = SqlReadModel(engine)
    return App(
        settings=settings,
        engine=engine,
        signing_key=key,
        uow=uow,
        custody=custody,
        reads=reads,
        accounts=accounts,
        alerts=alerts,
        audit=SqlLedgerAudit(engine, key, on_rebuilt=uow.cache.clear),
        documents=documents(settings),
        confirmations=confirmations,
        passkeys=PasskeyService(
            custody,
            confirmations,
            SqlConfirmationTransactions(engine),
            PyWebAuthn(),
            clock,
            reads=reads,
        ),
        clock=clock,
        folder_lock=lock,
        tls=_cart_certificate(settings),
    )


def _cart_certificate(settings: Settings) -> CartCertificate | None:
    try:
        return tls.load_cart_certificate(settings.tls_dir)
    except tls.TlsError as exc:
        raise NotInitialised(str(exc)) from None


def load_demo(app: App) -> list[DemoPerson]:
    """Load the demo production "Dry Gulch" through the real rules and ledger."""
    now = app.clock.now()
    people = demo.load_demo(CustodyService(app.uow, FixedClock(now), app.alerts), app.accounts, now)
    if isinstance(app.uow, SqlUnitOfWorkFactory):
        app.uow.cache.clear()
    return people
