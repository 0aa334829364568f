"""The set node and its witnesses: submit every new checkpoint, keep the cosignatures.

A *witness* (c2sp.org/tlog-witness; ``coldcheck witness serve`` is one, run by a studio,
an insurer or a union) remembers the newest checkpoint of this log it cosigned and
cosigns a new one only with a consistency proof from it. So the production cannot
rewrite its history, even holding the log key, without the witness refusing: a rewrite
is a visible fork.

What the set node does (:class:`WitnessService`):

- after each new head (and every few seconds, in the background — never on a command's
  path, so a cart without network records as usual), it sends each witness the newest
  checkpoint with a consistency proof from the size that witness last cosigned, and keeps
  the cosignatures it returns (verified with the witness's vkey);
- a witness it cannot reach, or that answers 5xx, is tried again later, waiting twice as
  long each time (2 s up to 5 min);
- a 409 naming a size this log signed is the witness telling the log where it stands
  (e.g. after a restore): the log sends again from there. A 409 at the size it sent, or
  at a size this log never signed or beyond it, and any 422 (the proof does not verify)
  mean the witness holds another history of this log: a **fork**. It is kept, never
  cleared by the submitter, and every screen shows it in red;
- the board says when the newest cosigned checkpoint is older than a threshold (default
  one hour) of the log's own activity.

Witnesses are configured as ``VKEY@URL`` (the witness's vkey, type 0x04, and its
submission prefix: the endpoint is ``URL/add-checkpoint``): ``COLDCHECK_WITNESSES``
(comma-separated) and ``coldcheck witnesses add`` (kept in the data folder).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol

from coldcheck.ledger.c2sp_errors import C2spFormatError
from coldcheck.ledger.chain import iso_ms, ms_of
from coldcheck.ledger.checkpoint import open_checkpoint
from coldcheck.ledger.cosignature import Cosignature, CosignatureVerifier, cosignatures_on
from coldcheck.ledger.errors import LedgerError
from coldcheck.ledger.heads import SignedTreeHead
from coldcheck.ledger.note import parse_vkey
from coldcheck.ledger.witness_protocol import (
    TREE_SIZE_CONTENT_TYPE,
    build_add_checkpoint_request,
    parse_tree_size_body,
    verified_cosignatures,
)
from coldcheck.service.checkpoints import LogIdentity
from coldcheck.service.ports import Anchor, Clock
from coldcheck.service.queries import ReadModel

__all__ = [
    "DEFAULT_STALE",
    "Freshness",
    "WitnessAnswer",
    "WitnessClient",
    "WitnessConfig",
    "WitnessConfigError",
    "WitnessService",
    "WitnessStatus",
    "WitnessStore",
    "WitnessUnreachable",
    "anchor_from_checkpoint",
    "parse_witness",
    "parse_witnesses",
]

DEFAULT_STALE = timedelta(hours=1)
FIRST_RETRY_MS = 2_000
LONGEST_RETRY_MS = 300_000
MAX_URL = 1000


class WitnessConfigError(ValueError):
    """A witness setting cannot be used; the message says which and what to write."""


class WitnessUnreachable(Exception):
    """The witness could not be asked (network, timeout, a malformed answer)."""


@dataclass(frozen=True)
class WitnessConfig:
    """A witness this log submits to: its vkey (type 0x04) and its submission prefix."""

    vkey: str
    url: str

    @property
    def verifier(self) -> CosignatureVerifier:
        """Checks this witness's cosignatures."""
        return CosignatureVerifier.from_vkey(self.vkey)

    @property
    def name(self) -> str:
        """The witness's name (its key name)."""
        return self.verifier.name

    def spec(self) -> str:
        """``VKEY@URL``, as configured."""
        return f"{self.vkey}@{self.url}"


def parse_witness(spec: str) -> WitnessConfig:
    """One ``VKEY@URL`` (the URL is the witness's submission prefix, http or https)."""
    spec = spec.strip()
    at = max(spec.rfind("@http://"), spec.rfind("@https://"))
    if at <= 0:
        raise WitnessConfigError(
            f"{spec[:80]!r} is not VKEY@URL; write the witness's vkey, '@', and its address,"
            " e.g. witness.insurer.example/w1+1a2b3c4d+BAAA...@https://witness.insurer.example"
        )
    vkey, url = spec[:at], spec[at + 1 :].rstrip("/")
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        raise WitnessConfigError(f"the witness address {url[:80]!r} is too long or has spaces")
    try:
        if parse_vkey(vkey).sig_type != 0x04:
            raise WitnessConfigError(
                f"{vkey[:80]} is not a witness's vkey (its key type must be 0x04, the"
                " cosignature type that `coldcheck witness init` prints)"
            )
        CosignatureVerifier.from_vkey(vkey)
    except C2spFormatError as exc:
        raise WitnessConfigError(f"the witness's vkey {vkey[:80]!r}: {exc}") from None
    return WitnessConfig(vkey, url)


def parse_witnesses(text: str) -> list[WitnessConfig]:
    """Comma-separated ``VKEY@URL`` (``COLDCHECK_WITNESSES``); the same vkey once."""
    out: list[WitnessConfig] = []
    for part in text.split(","):
        if part.strip():
            w = parse_witness(part)
            if all(o.vkey != w.vkey for o in out):
                out.append(w)
    return out


@dataclass(frozen=True)
class WitnessAnswer:
    """A witness's HTTP answer."""

    status: int
    content_type: str
    body: bytes


class WitnessClient(Protocol):
    """Talks to witnesses over HTTP."""

    def add_checkpoint(self, url: str, body: bytes) -> WitnessAnswer:
        """``POST url/add-checkpoint``; raises ``WitnessUnreachable``."""
        ...

    def latest_checkpoint(self, url: str, origin: str) -> bytes:
        """``GET url/<sha256 hex of origin>/checkpoint``; raises ``WitnessUnreachable``."""
        ...


@dataclass(frozen=True)
class WitnessStatus:
    """What the log knows of one witness."""

    vkey: str
    url: str
    cosigned_size: int = 0
    failures: int = 0
    next_try_ms: int = 0
    last_try_ms: int | None = None
    last_status: int | None = None
    last_error: str = ""
    fork: str | None = None
    fork_at_ms: int | None = None


class WitnessStore(Protocol):
    """Where the witnesses' answers are kept."""

    def status(self, vkey: str) -> WitnessStatus | None:
        """The status of one witness (None: never submitted to)."""
        ...

    def save_status(self, status: WitnessStatus) -> None:
        """Keep a witness's status."""
        ...

    def add_cosignature(self, vkey: str, tree_size: int, cosignature: Cosignature) -> None:
        """Keep a cosignature the witness returned for the checkpoint at ``tree_size``."""
        ...

    def cosignatures(self, tree_size: int) -> list[tuple[str, str]]:
        """``(witness vkey, signature line)`` of every cosignature held at ``tree_size``."""
        ...

    def newest_cosigned(self, vkeys: Sequence[str]) -> int | None:
        """The largest tree size any of these witnesses cosigned."""
        ...

    def forget(self, vkey: str) -> None:
        """Drop a witness's status (when it is removed); its cosignatures stay."""
        ...


@dataclass(frozen=True)
class Freshness:
    """How far the witnesses' copy of the log is behind it, for the board."""

    witnesses: int
    cosigned_size: int | None
    cosigned_at_ms: int | None
    behind: timedelta
    stale: bool

    @property
    def words(self) -> str:
        """One line for the board."""
        if self.cosigned_size is None:
            return (
                f"No witness has cosigned this log yet ({self.witnesses} configured): nothing"
                " of it is held outside this server."
            )
        at = iso_ms(self.cosigned_at_ms or 0)[:16].replace("T", " ")
        if not self.stale:
            return f"Witnessed: {self.witnesses} witness(es) hold this log up to {at} UTC."
        minutes = int(self.behind.total_seconds() // 60)
        return (
            f"Witnesses behind: the newest checkpoint a witness cosigned is from {at} UTC;"
            f" {minutes // 60} h {minutes % 60} min of records since are held only on this"
            " server. Check the network to the witnesses."
        )


class WitnessService:
    """Submits checkpoints to the configured witnesses and says how they stand."""

    def __init__(
        self,
        witnesses: Sequence[WitnessConfig],
        store: WitnessStore,
        reads: ReadModel,
        identity: LogIdentity,
        client: WitnessClient,
        clock: Clock,
        stale_after: timedelta = DEFAULT_STALE,
    ) -> None:
        self.witnesses = list(witnesses)
        self._store = store
        self._reads = reads
        self._identity = identity
        self._client = client
        self._clock = clock
        self.stale_after = stale_after
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._fork_cache: tuple[float, str | None] | None = None

    # -- the background submitter --------------------------------------------------

    def poke(self, _head: SignedTreeHead | None = None) -> None:
        """A new head was signed: submit soon (called after every commit; never blocks)."""
        self._wake.set()

    def wait(self, timeout: float) -> None:
        """Sleep until poked or ``timeout`` seconds passed."""
        self._wake.wait(timeout)
        self._wake.clear()

    def submit_due(self) -> list[str]:
        """Submit the newest head to every witness whose turn it is; what happened, in words."""
        if not self.witnesses:
            return []
        now = ms_of(self._clock.now())
        out = []
        with self._lock:
            head = self._reads.ledger_head()
            if head is None:
                return []
            for w in self.witnesses:
                status = self._store.status(w.vkey) or WitnessStatus(w.vkey, w.url)
                if status.fork is not None or status.next_try_ms > now:
                    continue
                if status.cosigned_size == head.tree_size:
                    continue
                out.append(self._submit(w, replace(status, url=w.url), head, now))
        return out

    def submit_now(self) -> list[str]:
        """Submit the newest head to every witness at once, whatever their back-off (export)."""
        with self._lock:
            head = self._reads.ledger_head()
            if head is None:
                return []
            now = ms_of(self._clock.now())
            out = []
            for w in self.witnesses:
                status = self._store.status(w.vkey) or WitnessStatus(w.vkey, w.url)
                if status.fork is None and status.cosigned_size != head.tree_size:
                    out.append(self._submit(w, replace(status, url=w.url), head, now))
            return out

    def _submit(
        self, w: WitnessConfig, status: WitnessStatus, head: SignedTreeHead, now: int
    ) -> str:
        old = status.cosigned_size
        if old > head.tree_size:
            return self._forked(
                w,
                status,
                now,
                f"{w.name} has cosigned this log at tree size {old}, but it now holds only"
                f" {head.tree_size} entries: the log was cut back or replaced",
            )
        note = self._identity.checkpoint(head)
        for attempt in range(2):
            proof = (
                []
                if old in (0, head.tree_size)
                else self._reads.consistency_proof(old, head.tree_size)
            )
            body = build_add_checkpoint_request(old, proof, note)
            try:
                answer = self._client.add_checkpoint(w.url, body)
            except WitnessUnreachable as exc:
                return self._failed(w, status, now, None, f"cannot reach {w.url}: {exc}")
            if answer.status == 200:
                try:
                    cosigs = verified_cosignatures(note, answer.body, [w.verifier])
                except LedgerError as exc:
                    return self._failed(w, status, now, 200, f"a bad cosignature: {exc}")
                if not cosigs:
                    return self._failed(
                        w, status, now, 200, "the answer holds no cosignature by its key"
                    )
                for cosig in cosigs:
                    self._store.add_cosignature(w.vkey, head.tree_size, cosig)
                self._store.save_status(
                    replace(
                        status,
                        cosigned_size=head.tree_size,
                        failures=0,
                        next_try_ms=0,
                        last_try_ms=now,
                        last_status=200,
                        last_error="",
                    )
                )
                return f"{w.name} cosigned tree size {head.tree_size}"
            if answer.status == 409 and answer.content_type.startswith(TREE_SIZE_CONTENT_TYPE):
                try:
                    held = parse_tree_size_body(answer.body)
                except C2spFormatError as exc:
                    return self._failed(w, status, now, 409, f"a malformed 409: {exc}")
                if held == old:
                    return self._forked(
                        w,
                        status,
                        now,
                        f"{w.name} holds another tree of this log at size {held}: the log"
                        " was forked or rewritten",
                    )
                if held > head.tree_size or self._reads.ledger_head_at(held) is None:
                    return self._forked(
                        w,
                        status,
                        now,
                        f"{w.name} has cosigned this log at tree size {held}, a size this log"
                        f" never signed (it holds {head.tree_size}): another history of the log",
                    )
                if attempt == 0:
                    old = held
                    status = replace(status, cosigned_size=held)
                    continue
            if answer.status == 422:
                return self._forked(
                    w,
                    status,
                    now,
                    f"{w.name} refused the consistency proof from tree size {old}: the log it"
                    " cosigned is not the start of this one — the log was rewritten",
                )
            text = answer.body[:200].decode("utf-8", "replace").strip()
            return self._failed(w, status, now, answer.status, f"answered {answer.status}: {text}")
        return self._failed(w, status, now, 409, "kept answering 409")

    def _failed(
        self, w: WitnessConfig, status: WitnessStatus, now: int, code: int | None, why: str
    ) -> str:
        failures = status.failures + 1
        wait = min(FIRST_RETRY_MS * 2 ** min(failures - 1, 20), LONGEST_RETRY_MS)
        self._store.save_status(
            replace(
                status,
                failures=failures,
                next_try_ms=now + wait,
                last_try_ms=now,
                last_status=code,
                last_error=why[:500],
            )
        )
        return f"{w.name}: {why} (next try in {wait // 1000} s)"

    def _forked(self, w: WitnessConfig, status: WitnessStatus, now: int, why: str) -> str:
        self._fork_cache = None
        self._store.save_status(
            replace(status, last_try_ms=now, last_error=why[:500], fork=why[:1000], fork_at_ms=now)
        )
        return f"FORK: {why}"

    # -- what the screens show ---------------------------------------------------------

    def statuses(self) -> list[tuple[WitnessConfig, WitnessStatus]]:
        """Every configured witness with what is known of it."""
        return [
            (w, self._store.status(w.vkey) or WitnessStatus(w.vkey, w.url)) for w in self.witnesses
        ]

    def fork_alert(self) -> str | None:
        """The red alert every screen shows when a witness reported a fork, else None.

        Read at most once a second (every page asks).
        """
        if not self.witnesses:
            return None
        now = time.monotonic()
        cached = self._fork_cache
        if cached is not None and now - cached[0] < 1.0:
            return cached[1]
        alert = self._fork_alert()
        self._fork_cache = (now, alert)
        return alert

    def _fork_alert(self) -> str | None:
        forks = [(s.fork, s.fork_at_ms) for _, s in self.statuses() if s.fork is not None]
        if not forks:
            return None
        why, when = forks[0]
        more = f" (and {len(forks) - 1} more)" if len(forks) > 1 else ""
        return (
            f"LOG FORKED OR REWRITTEN: {why}{more}. Reported {iso_ms(when or 0)[:19]} UTC."
            " The record on this server may not be the one the witnesses hold: stop, keep"
            " everything as it is, and call the production's safety supervisor and insurer."
        )

    def freshness(self) -> Freshness | None:
        """How far behind the witnesses are (None when no witness is configured)."""
        if not self.witnesses:
            return None
        head = self._reads.ledger_head()
        if head is None:
            return None
        size = self._store.newest_cosigned([w.vkey for w in self.witnesses])
        cosigned = self._reads.ledger_head_at(size) if size else None
        if cosigned is None:
            first = self._reads.ledger_head_at(1) or head
            behind = timedelta(milliseconds=max(0, head.timestamp - first.timestamp))
            return Freshness(len(self.witnesses), None, None, behind, True)
        behind = timedelta(milliseconds=max(0, head.timestamp - cosigned.timestamp))
        return Freshness(
            len(self.witnesses), size, cosigned.timestamp, behind, behind > self.stale_after
        )

    def fetch_checkpoint(self, url: str) -> bytes:
        """The newest checkpoint of this log the witness at ``url`` holds (``verify --witness``)."""
        return self._client.latest_checkpoint(url, self._identity.origin)

    def cosigned_checkpoint(self, head: SignedTreeHead) -> bytes:
        """The checkpoint of ``head`` with every cosignature held for it."""
        lines = [line for _, line in self._store.cosignatures(head.tree_size)]
        return self._identity.cosigned(head, lines)

    def newest_cosigned_head(self) -> SignedTreeHead | None:
        """The newest head a configured witness cosigned."""
        size = self._store.newest_cosigned([w.vkey for w in self.witnesses])
        return self._reads.ledger_head_at(size) if size else None


def anchor_from_checkpoint(
    note: bytes, identity: LogIdentity, witnesses: Sequence[CosignatureVerifier], source: str
) -> tuple[Anchor, list[Cosignature]]:
    """A checkpoint held outside (a witness's, or typed from paper) as an anchor for verify.

    It must be signed by this log's key (``C2spFormatError``/``UntrustedNote``/
    ``BadNoteSignature`` otherwise); the cosignatures of ``witnesses`` on it are returned.
    """
    signed = open_checkpoint(note, [identity.verifier], origin=identity.origin)
    cosigs = cosignatures_on(signed.note, witnesses)
    checkpoint = signed.checkpoint
    return Anchor(checkpoint.tree_size, checkpoint.root_hash, source), cosigs
