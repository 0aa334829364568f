"""Wiring only: ``init_data`` prepares a data folder, ``build`` makes the App, ``load_demo``.

Nothing here decides anything: every use case lives in ``coldcheck.service``
and owns its transaction; the App only holds the pieces, wired once, for
the entry points (HTTP, pages, CLI), which never import an adapter.
``documents`` gives the CLI its files (CSV, PDF, labels, backups) for a data
folder, even before a database exists.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from coldcheck.adapters import datafiles, keyfile, tls, witness_list
from coldcheck.adapters.argon2 import Argon2Hasher, PepperedHasher, pin_pepper
from coldcheck.adapters.documents import FileDocuments
from coldcheck.adapters.sql import log_meta, migrate
from coldcheck.adapters.sql.account_store import SqlAccountTransactions
from coldcheck.adapters.sql.audit import SqlLedgerAudit
from coldcheck.adapters.sql.confirmation_store import SqlConfirmationTransactions
from coldcheck.adapters.sql.engine import WRITE, make_engine
from coldcheck.adapters.sql.held_store import SqlHeldReportTransactions
from coldcheck.adapters.sql.queries import SqlReadModel
from coldcheck.adapters.sql.security_log_store import write_baseline
from coldcheck.adapters.sql.storage_health import probe_write, storage_health, watch_storage
from coldcheck.adapters.sql.store import SqlUnitOfWorkFactory
from coldcheck.adapters.sql.witness_store import SqlWitnessStore
from coldcheck.adapters.webauthn import PyWebAuthn
from coldcheck.adapters.witness_client import HttpWitnessClient
from coldcheck.config import DB_FILE_NAME, Settings
from coldcheck.domain.ids import PersonId
from coldcheck.ledger.chain import ms_of
from coldcheck.ledger.checkpoint import check_origin
from coldcheck.ledger.heads import SignedTreeHead, log_id_for, public_key_raw
from coldcheck.service import demo
from coldcheck.service.account_model import PinHeld, SecretHasher
from coldcheck.service.accounts import AccountService, Throttled
from coldcheck.service.alerts import AlertHub, pin_held_alerts, throttle_alerts
from coldcheck.service.checkpoints import LogIdentity
from coldcheck.service.confirmations import ConfirmationService
from coldcheck.service.custody import CustodyService
from coldcheck.service.demo import DemoPerson
from coldcheck.service.evidence import EvidenceService
from coldcheck.service.held_reports import HeldReports
from coldcheck.service.passkeys import PasskeyService
from coldcheck.service.photos import PhotoService
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
from coldcheck.service.witnessing import (
    WitnessConfig,
    WitnessConfigError,
    WitnessService,
    parse_witnesses,
)


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
    origin: str = ""
    set_origin: bool = False
    baseline: SignedTreeHead | None = None
    """The head over the security log's baseline, when this run wrote one."""

    @property
    def changed(self) -> bool:
        """True when anything was created or upgraded."""
        return (
            self.created_dir
            or self.created_key
            or self.created_tls
            or self.migrated_from != self.migrated_to
            or self.set_origin
            or self.baseline is not None
        )


class InitRefused(Exception):
    """``coldcheck init`` cannot do what was asked (e.g. change the origin); nothing changed."""


def init_data(
    settings: Settings, addresses: Sequence[str] = (), origin: str | None = None
) -> InitReport:
    """Create the data folder, bring the database to the newest schema, make the key,
    fix the log's origin, start the security log (a baseline of existing accounts), and
    make the cart's HTTPS certificate for its names and addresses (and ``addresses``).

    Safe to run again: what exists is kept, and the report says so. ``origin`` is the
    log's name in its checkpoints (default: from the host name and the log id); once set
    it is fixed, and a different ``origin`` is refused.
    """
    if origin is not None:
        try:
            check_origin(origin)
        except ValueError as exc:
            raise InitRefused(f"--origin: {exc}") from None
    created_dir = datafiles.prepare_for_init(settings)
    engine = make_engine(settings.database_url)
    try:
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        after = migrate.current_revision(engine)
        datafiles.refuse_new_key_for_signed_log(engine, settings.key_path)
        created_key = keyfile.create_key(settings.key_path)
        key = keyfile.load_key(settings.key_path)
        with engine.execution_options(**WRITE).begin() as conn:
            current = log_meta.get_meta(conn, log_meta.ORIGIN)
            wanted = origin or current or log_meta.default_origin(log_id_for(public_key_raw(key)))
            if current is not None and wanted != current:
                raise InitRefused(
                    f"the log's origin is {current!r} and is fixed (witnesses know the log by"
                    f" it); it cannot become {wanted!r}"
                )
            set_origin = log_meta.set_meta_once(conn, log_meta.ORIGIN, wanted)
            baseline = None
            if log_meta.get_meta(conn, log_meta.SECURITY_LOG) is None:
                baseline = write_baseline(conn, key, ms_of(SystemClock().now()), "init")
                log_meta.set_meta_once(conn, log_meta.SECURITY_LOG, "started")
    finally:
        engine.dispose()
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
        origin=wanted,
        set_origin=set_origin,
        baseline=baseline,
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
    held_reports: HeldReports
    identity: LogIdentity
    witnessing: WitnessService
    evidence: EvidenceService
    passkeys: PasskeyService
    photos: PhotoService
    clock: Clock = field(default_factory=SystemClock)
    folder_lock: datafiles.FolderLock | None = None
    tls: CartCertificate | None = None
    _probed_ok: float = field(default=0.0, repr=False)

    @property
    def public_hosts(self) -> tuple[str, ...]:
        """The host names links and QR codes may use, first the one used for any other Host:
        ``COLDCHECK_PUBLIC_HOSTS``, else the cart certificate's addresses (its LAN ones
        first), the serving host and the loopback names."""
        if self.settings.public_hosts:
            return self.settings.public_hosts
        loopback = ("localhost", "127.0.0.1", "::1")
        cert = tuple(self.tls.addresses) if self.tls is not None else ()
        lan = tuple(a for a in cert if a not in loopback)
        host = self.settings.host
        serving = (host,) if host not in ("0.0.0.0", "::", "") else ()
        return tuple(dict.fromkeys(h.lower() for h in (*lan, *serving, *loopback, *cert)))

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key of the log."""
        return public_key_raw(self.signing_key)

    @property
    def log_id(self) -> bytes:
        """SHA-256 of the public key."""
        return log_id_for(self.public_key)

    def try_write(self) -> str | None:
        """Commit one real write (``/readyz``); None when it worked, else what is wrong and
        what to do. A write that worked less than a second ago answers for itself (a flood
        of ``/readyz`` does not queue writes in front of real commands), unless a storage
        fault was seen since."""
        now = time.monotonic()
        if now - self._probed_ok < 1.0 and self.storage_problem() is None:
            return None
        answer = probe_write(self.engine)
        self._probed_ok = now if answer is None else 0.0
        return answer

    def storage_problem(self) -> str | None:
        """The last storage fault, until a write commits again (the status strip shows it)."""
        return storage_health(self.engine).problem()

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
    channel: str = "server",
) -> App:
    """Open the database and key named by ``settings`` and wire the services.

    ``hasher`` lets tests use cheap argon2 parameters; production uses the defaults.
    ``serving``: hold the data folder's server lock while the App lives (restore checks it).
    ``channel``: which program writes the security records (``server``, ``cli:<user>``).
    """
    try:
        lock = datafiles.hold_shared_lock(settings.data_dir) if serving else None
    except datafiles.DataFolderError as exc:
        raise NotInitialised(str(exc)) from None
    try:
        return _open(settings, lock, clock, hasher, pin_hasher, channel)
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
    channel: str,
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
    try:
        with engine.connect() as conn:
            origin = log_meta.get_meta(conn, log_meta.ORIGIN)
    except SQLAlchemyError:
        origin = None
    if origin is None:
        engine.dispose()
        raise NotInitialised(
            f"the log at {settings.database_url} has no origin yet; run `coldcheck init`"
            " (it names the log in its checkpoints and starts the security log)"
        )
    try:
        witnesses = configured_witnesses(settings)
    except WitnessConfigError as exc:
        engine.dispose()
        raise NotInitialised(str(exc)) from None
    watch_storage(engine)
    watched = datafiles.sqlite_file(settings)
    if watched is not None and watched.exists():
        datafiles.watch_database_file(engine, watched)
    clock = clock or SystemClock()
    alerts = AlertHub()
    uow = SqlUnitOfWorkFactory(engine, key, channel)
    reads = SqlReadModel(engine)
    identity = LogIdentity(origin, key)
    witnessing = WitnessService(
        witnesses,
        SqlWitnessStore(engine),
        reads,
        identity,
        HttpWitnessClient(),
        clock,
        timedelta(minutes=settings.witness_stale_minutes),
    )
    now = clock.now

    def pin_held(held: PinHeld) -> None:
        where = [held.production] if held.production else []
        where = where or [p.id for p in reads.productions_for(PersonId(held.person))]
        alerts.publish(pin_held_alerts(held.person, where, now()))

    def throttled(t: Throttled) -> None:
        if t.kind == "login":  # the account's productions; an unknown login tells nobody
            where = [p.id for p in reads.productions_for(PersonId(t.person))] if t.person else []
            who = t.person or ""
        else:  # a device: every production on this server
            where, who = [p.id for p in reads.all_productions()], t.who
        alerts.publish(throttle_alerts(t.kind, who, t.failures, t.until, where, now()))

    # the one writer: custody requests, and the PIN checks', challenges' and confirmations'
    # writes as jobs of its group commits (service.custody)
    custody = CustodyService(uow, clock, alerts, on_new_head=witnessing.poke)
    accounts = AccountService(
        SqlAccountTransactions(engine, key, channel, on_new_head=witnessing.poke),
        clock,
        hasher or Argon2Hasher(),
        pin_hasher=PepperedHasher(
            pin_hasher or hasher or Argon2Hasher.for_pins(),
            pin_pepper(keyfile.private_raw(key)),
        ),
        web_session_ttl=timedelta(hours=settings.session_hours),
        on_pin_held=pin_held,
        on_throttled=throttled,
        writer=custody.run_job,
    )
    confirmations = ConfirmationService(SqlConfirmationTransactions(engine), accounts, clock)
    return App(
        settings=settings,
        held_reports=HeldReports(
            SqlHeldReportTransactions(engine),
            custody.production_exists,
            custody.state,
            lambda command, channel: custody.execute(command, channel=channel),
            clock.now,
        ),
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
        identity=identity,
        witnessing=witnessing,
        evidence=EvidenceService(uow, reads, identity, witnessing, clock),
        photos=PhotoService(custody, uow),
        clock=clock,
        folder_lock=lock,
        tls=_cart_certificate(settings),
    )


def _cart_certificate(settings: Settings) -> CartCertificate | None:
    try:
        return tls.load_cart_certificate(settings.tls_dir)
    except tls.TlsError as exc:
        raise NotInitialised(str(exc)) from None


def configured_witnesses(settings: Settings) -> list[WitnessConfig]:
    """The witnesses of ``COLDCHECK_WITNESSES`` and of the data folder's list, each once."""
    found = parse_witnesses(settings.witnesses)
    for w in witness_list.read_witnesses(settings.data_dir):
        if all(o.vkey != w.vkey for o in found):
            found.append(w)
    return found


def save_witnesses(settings: Settings, witnesses: list[WitnessConfig]) -> None:
    """Replace the data folder's list of witnesses."""
    witness_list.write_witnesses(settings.data_dir, witnesses)


def listed_witnesses(settings: Settings) -> list[WitnessConfig]:
    """The witnesses in the data folder's list only (what ``witnesses add/remove`` edit)."""
    return witness_list.read_witnesses(settings.data_dir)


def load_demo(app: App) -> list[DemoPerson]:
    """Load the demo production "Dry Gulch" through the real rules and ledger."""
    now = app.clock.now()
    people = demo.load_demo(CustodyService(app.uow, FixedClock(now), app.alerts), app.accounts, now)
    if isinstance(app.uow, SqlUnitOfWorkFactory):
        app.uow.cache.clear()
    return people
