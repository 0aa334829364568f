"""The ports the service talks through, each with an in-memory and a SQL adapter.

- ``Clock``                where the time comes from (one injectable clock).
- ``UnitOfWork`` / ``UnitOfWorkFactory``
                           one write transaction over the log, its index and the
                           read tables: it checks the log extends its newest signed
                           head and gives the commit's time (``begin``), the service
                           asks it for a production's current state, decides, and
                           hands it the accepted events; it appends their ledger
                           entries, stored hashes, index rows and read-table rows,
                           ends the batch with a commit record and a new signed head
                           (``seal``), and commits — or leaves nothing.
- ``AccountUnitOfWork``    one transaction over accounts, sessions and auth events.
- ``GroupWriter`` / ``GroupTransaction``
                           the one writer's other jobs: work on the accounts and the
                           confirmations run inside the custody group commit's
                           transaction (one commit, one fsync, one head for all).
- ``ConfirmationTransactions`` / ``ConfirmationStore``
                           challenges and the single-use confirmations given
                           against them; the custody ``UnitOfWork`` consumes
                           them in the transaction of the command's events.
- ``PhotoStore``           weapon photos' bytes, keyed by their SHA-256 (issue 18):
                           written in the transaction of their ledger entry.
- ``Documents``            files people read and write: CSV, PDF reports, label
                           sheets, backups.
- ``LedgerAudit``          re-checking the whole stored log and rebuilding what is
                           derived from it.
- the read side is ``coldcheck.service.queries.ReadModel``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self, TypeVar

from coldcheck.domain.events import Event
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import PasskeySignature
from coldcheck.domain.state import ProductionState
from coldcheck.ledger.heads import SignedTreeHead, b64encode
from coldcheck.ledger.records import IndexLink
from coldcheck.service.account_model import AccountStore
from coldcheck.service.envelope import Channel

if TYPE_CHECKING:
    from coldcheck.service.boundbook import BoundBookReport
    from coldcheck.service.compliance import ComplianceReport
    from coldcheck.service.daily import DailyReport
    from coldcheck.service.reports import CustodyReport, IncidentReport, LabelItem

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)`` for long work shown as progress bars."""


# -- values the ports return ---------------------------------------------------------


@dataclass(frozen=True)
class CartCertificate:
    """The cart's own HTTPS certificate authority and server certificate (``coldcheck init``).

    ``fingerprint``: SHA-256 of the authority's certificate (colon-separated hex), what a
    tablet shows when asked to trust it; ``addresses``: the names the server certificate
    holds; ``ca_pem``: the authority's certificate to install on tablets.
    """

    fingerprint: str
    addresses: tuple[str, ...]
    ca_pem: bytes
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong: where (first entry index, if known) and what.

    ``last`` is set when the fault can only be narrowed to entries
    ``index..last`` (e.g. a subtree hash that disagrees with them).
    """

    index: int | None
    what: str
    last: int | None = None

    def __str__(self) -> str:
        if self.index is None:
            return self.what
        if self.last is not None and self.last != self.index:
            return f"entries {self.index}..{self.last}: {self.what}"
        return f"entry {self.index}: {self.what}"


@dataclass(frozen=True)
class IndexMark:
    """Where a production's subject index stands: its newest index record, its newest entry."""

    last: IndexLink | None
    last_seq: int
    """Position of the production's newest entry (-1: none yet)."""


@dataclass(frozen=True)
class Anchor:
    """A tree held outside the server (a saved head, a checkpoint a witness holds).

    Its signature was checked by whoever made the anchor; the log must extend it.
    """

    tree_size: int
    root_hash: bytes
    source: str
    """In words: where the anchor comes from (shown when the log does not extend it)."""


@dataclass(frozen=True)
class VerifyReport:
    """Result of :func:`verify_store`; ``ok`` is True only if nothing was wrong."""

    entries_checked: int
    heads_checked: int
    tree_size: int
    root_hash: bytes
    latest_head: SignedTreeHead | None
    problem: Problem | None = None
    warnings: tuple[str, ...] = ()
    """What is flagged but not a failure (times running backwards before commit records)."""
    commits: int = 0
    """Commit records checked (0 for a log written before they existed)."""

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return self.problem is None

    @property
    def summary(self) -> str:
        """One line for a terminal: what was verified, or the first problem."""
        if self.problem is not None:
            return f"ledger NOT OK: {self.problem}"
        signed = ""
        if self.latest_head is not None:
            when = datetime.fromtimestamp(self.latest_head.timestamp / 1000, tz=UTC)
            signed = f", newest head signed {when.isoformat(timespec='seconds')}"
        return (
            f"ledger OK: {self.entries_checked} entries, {self.heads_checked} signed heads, "
            f"root {b64encode(self.root_hash)}{signed}"
        )


@dataclass(frozen=True)
class VerifyOutcome:
    """What ``coldcheck verify`` found: the ledger report and any read-table differences."""

    ledger: VerifyReport
    derived_problems: tuple[str, ...]
    photo_problems: tuple[str, ...] = ()
    """Weapon photos the log names whose bytes are missing or altered (issue 18): evidence
    lost, not a derived table — ``--rebuild`` cannot mend them; a backup can."""

    @property
    def ok(self) -> bool:
        """True when the log, everything derived from it and every photo it names check out."""
        return self.ledger.ok and not self.derived_problems and not self.photo_problems


@dataclass(frozen=True)
class BackupReport:
    """What a backup holds."""

    path: Path
    tree_size: int
    root_hash: str
    pages: int
    files: dict[str, str]


@dataclass(frozen=True)
class RestoreReport:
    """What a restore put in place."""

    data_dir: Path
    tree_size: int
    root_hash: str
    kept: tuple[Path, ...]
    summary: str


@dataclass(frozen=True)
class SourceRow:
    """One data row of a file: its physical line number and its cells by column."""

    line: int
    values: Mapping[str, str]
    problem: str = ""


@dataclass(frozen=True)
class Table:
    """A parsed file: its header and its data rows."""

    columns: tuple[str, ...]
    rows: tuple[SourceRow, ...]


@dataclass(frozen=True)
class Challenge:
    """A request to confirm one exact command (see ``service.confirmations``).

    ``digest`` is the command's canonical digest, ``log_size`` the production's
    size when it was asked, ``summary`` what the confirmer reads, ``people``
    who may confirm it, ``pledges`` what some of them tick first.
    """

    id: str
    production: ProductionId
    actor: PersonId
    command: str
    digest: str
    log_size: int
    nonce: str
    summary: str
    people: tuple[PersonId, ...]
    created_at: datetime
    expires_at: datetime
    pledges: tuple[tuple[PersonId, str], ...] = ()
    """Who ticks what before confirming (the person receiving a weapon: "I was shown every
    chamber and the bore"); the server refuses their confirmation without it."""


@dataclass(frozen=True)
class Confirmation:
    """One person's confirmation of a challenge; used at most once (``consumed_at``).

    ``assertion``: the person's passkey signature over the challenge (issue 17), or None
    for a PIN typed on the cart (attested by the server only)."""

    id: str
    challenge: str
    person: PersonId
    at: datetime
    consumed_at: datetime | None = None
    consumed_seq: int | None = None
    assertion: PasskeySignature | None = None


@dataclass(frozen=True)
class PhotoBlob:
    """A photo's bytes as stored: named by their lowercase hex SHA-256, one blob per hash."""

    sha256: str
    media_type: str
    data: bytes


# -- the ports -------------------------------------------------------------------------


class PhotoStore(Protocol):
    """Weapon photos' bytes, content-addressed, inside one transaction."""

    def put(self, blob: PhotoBlob) -> bool:
        """Keep ``blob`` unless its hash is held already (the same photo twice is one
        blob); True when it was new."""
        ...

    def get(self, sha256: str) -> PhotoBlob | None:
        """The blob stored under ``sha256``, as stored (a check compares it with the hash)."""
        ...


class ConfirmationStore(Protocol):
    """Challenges and confirmations inside one transaction."""

    def add_challenge(self, challenge: Challenge) -> None:
        """Store a new challenge."""
        ...

    def challenge(self, challenge_id: str) -> Challenge | None:
        """The challenge with this id, expired or not."""
        ...

    def add_confirmation(self, confirmation: Confirmation) -> None:
        """Store a confirmation of a stored challenge."""
        ...

    def confirmations(self, ids: Sequence[str]) -> list[tuple[Confirmation, Challenge]]:
        """The confirmations with these ids (those that exist), each with its challenge."""
        ...

    def consume(self, ids: Sequence[str], at: datetime, seq: int) -> int:
        """Mark unused confirmations used by the command at log position ``seq``; how many
        were marked (fewer than asked when one was used meanwhile)."""
        ...

    def confirmations_of(self, challenge_id: str) -> list[Confirmation]:
        """Every confirmation given against this challenge, used or not."""
        ...

    def delete_expired(self, now: datetime) -> int:
        """Forget challenges (and their unused confirmations) that expired a day ago."""
        ...


class ConfirmationTransactions(Protocol):
    """Opens one transaction over challenges and confirmations."""

    def __call__(self, *, write: bool = True) -> AbstractContextManager[ConfirmationStore]: ...


class Clock(Protocol):
    """Where the time comes from; tests pass a fixed or stepping clock."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told; ``advance`` moves it on."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        """The time last set."""
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to ``at``."""
        self._at = at


class UnitOfWork(Protocol):
    """A write transaction. Leaving the ``with`` block without ``commit`` rolls back."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def state(self, production: ProductionId) -> ProductionState:
        """The production's state as of the newest committed event (empty if new)."""
        ...

    def is_event_of(self, production: ProductionId, seq: int) -> bool:
        """True when log position ``seq`` holds an event of ``production``."""
        ...

    def event_at(self, production: ProductionId, seq: int) -> Event | None:
        """The event at log position ``seq`` when it is one of ``production``'s (else None)."""
        ...

    def production_exists(self, production: ProductionId) -> bool:
        """True when the production has at least one event."""
        ...

    def begin(self, now: datetime) -> datetime:
        """Check the log extends its newest signed head; the commit's time (``NotSigned``).

        The time is ``now`` in whole milliseconds, strictly after the newest head's; a
        clock well behind that head is refused.
        """
        ...

    def index_mark(self, production: ProductionId) -> IndexMark:
        """Where the production's subject index stands."""
        ...

    def write_subject_index(self, production: ProductionId, at: datetime) -> int:
        """Append subject-index records covering the production up to now; how many."""
        ...

    def append(
        self,
        before: ProductionState,
        events: Sequence[Event],
        after: ProductionState,
        channel: Channel,
    ) -> list[int]:
        """Write ``events`` (ledger entries, index, read tables); their log positions."""
        ...

    def seal(self, at: datetime) -> SignedTreeHead:
        """End the batch: its commit record, and the signed head over everything (time ``at``)."""
        ...

    def confirmations(self) -> ConfirmationStore:
        """The challenges and confirmations, inside this same transaction."""
        ...

    def photos(self) -> PhotoStore:
        """Weapon photos' bytes, inside this same transaction."""
        ...

    def accounts(self) -> AccountStore:
        """The accounts inside this same transaction; their security records join its batch
        (sealed by :meth:`seal`)."""
        ...

    def isolated(self) -> AbstractContextManager[None]:
        """A block whose writes are undone alone when it raises (a savepoint), the rest of
        the transaction kept; ``GroupBroken`` instead when the block had appended to the log
        (the batch can no longer be sealed as it stands)."""
        ...

    def appended(self) -> bool:
        """True once this transaction appended anything to the log (it must be sealed)."""
        ...

    def commit(self) -> None:
        """Make everything durable; then the state cache may move on."""
        ...


class UnitOfWorkFactory(Protocol):
    """Opens transactions: write ones (serialised, one at a time) or read-only ones."""

    def __call__(self, *, write: bool = True) -> UnitOfWork: ...

    def active_states(self) -> list[ProductionState]:
        """States of the productions in use, already in memory (no database work)."""
        ...


class GroupBroken(RuntimeError):
    """A job of a group commit failed after appending to the log: the whole group fails."""


class GroupTransaction(Protocol):
    """What a job of the one writer may use: the group's own transaction."""

    def accounts(self) -> AccountStore:
        """Accounts, sessions and auth events (their security records in the group's batch)."""
        ...

    def confirmations(self) -> ConfirmationStore:
        """Challenges and confirmations."""
        ...


T = TypeVar("T")


class GroupWriter(Protocol):
    """Runs ``work`` as a job of the next group commit and returns what it returned.

    ``work(transaction, now)`` runs in the group's transaction (``now``: the commit's
    time), after the requests queued before it; the answer comes only after the commit.
    When ``work`` raises, its writes are undone and the error is raised to the caller
    alone; the group's other requests still commit.
    """

    def __call__(self, work: Callable[[GroupTransaction, datetime], T]) -> T: ...


class AccountUnitOfWork(Protocol):
    """Opens one transaction over accounts; it commits when the block ends without an error."""

    def __call__(self, *, write: bool = True) -> AbstractContextManager[AccountStore]: ...


class Documents(Protocol):
    """Files people read and write. Failures raise ``exchange.FileError`` subclasses."""

    def read_csv(self, path: Path) -> Table:
        """Parse a CSV file."""
        ...

    def write_csv(self, path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        """Write a CSV file, neutralising formula injection."""
        ...

    def csv_text(self, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
        """CSV text (for stdout), neutralising formula injection."""
        ...

    def render_report(
        self, report: DailyReport | CustodyReport | IncidentReport, path: Path, paper: str
    ) -> None:
        """Write a report as PDF on ``a4`` or ``letter`` paper."""
        ...

    def render_compliance(self, report: ComplianceReport, path: Path, paper: str) -> None:
        """Write the §9153 compliance report as PDF on ``a4`` or ``letter`` paper."""
        ...

    def render_bound_book(self, report: BoundBookReport, path: Path, paper: str) -> None:
        """Write the bound book (issue 18) as PDF on ``a4`` or ``letter`` paper."""
        ...

    def render_labels(self, items: Sequence[LabelItem], path: Path, layout: str) -> int:
        """Write QR label sheets as PDF; the number of pages."""
        ...

    def backup(self, target: Path, progress: Progress | None = None) -> BackupReport:
        """A consistent online copy of the data folder's database and key, verified."""
        ...

    def restore(
        self, source: Path, *, force: bool = False, progress: Progress | None = None
    ) -> RestoreReport:
        """Put a backup in place after its whole ledger verifies."""
        ...


class LedgerAudit(Protocol):
    """Re-checks the stored log and rebuilds what is derived from it."""

    def verify(
        self,
        trusted_head: SignedTreeHead | None,
        progress: Progress | None = None,
        anchors: Sequence[Anchor] = (),
    ) -> VerifyOutcome:
        """Re-hash every entry, check every head, compare derived tables with a replay.

        ``anchors`` are trees held outside the server (already signature-checked): the
        log must extend each.
        """
        ...

    def rebuild(self) -> int:
        """Rebuild the index, read tables and snapshots from the log; events replayed."""
        ...
