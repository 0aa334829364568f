"""The witness: decides (``decision``), cosigns, and persists (``state``) before it answers."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coldcheck.ledger.checkpoint import check_origin
from coldcheck.ledger.cosignature import CosignatureSigner
from coldcheck.ledger.note import Ed25519Verifier, Note
from coldcheck.ledger.witness_protocol import (
    TREE_SIZE_CONTENT_TYPE,
    format_cosignature_response,
    format_tree_size_body,
)
from coldcheck.witness.decision import (
    NEVER_COSIGNED,
    LogState,
    Refusal,
    Submission,
    check_submission,
    judge,
)
from coldcheck.witness.state import HeldCheckpoint, WitnessStore

__all__ = ["Answer", "Witness", "origin_warnings"]

TEXT = "text/plain; charset=utf-8"
_RACE_RETRIES = 3


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body, content type."""

    status: int
    body: bytes
    content_type: str


class Witness:
    """A tlog-witness: the logs it witnesses (by their Ed25519 vkeys), its key, its state."""

    def __init__(
        self,
        signer: CosignatureSigner,
        logs: Sequence[Ed25519Verifier],
        store: WitnessStore,
        clock: Callable[[], int] = lambda: int(time.time()),
    ) -> None:
        if not logs:
            raise ValueError("a witness needs at least one log to witness")
        self.signer = signer
        self.store = store
        self._clock = clock
        self.trusted: dict[str, list[Ed25519Verifier]] = {}
        for log in logs:
            keys = self.trusted.setdefault(log.name, [])
            if any(k.key_id == log.key_id for k in keys):
                raise ValueError(f"the log key {log.vkey} is given twice")
            keys.append(log)
        self._by_hash = {hashlib.sha256(o.encode()).hexdigest(): o for o in self.trusted}

    @property
    def vkey(self) -> str:
        """The witness's vkey (signature type 0x04)."""
        return self.signer.vkey

    @property
    def origins(self) -> list[str]:
        """The origins this witness witnesses (each log's key name)."""
        return sorted(self.trusted)

    def add_checkpoint(self, body: bytes) -> Answer:
        """Answer one add-checkpoint request body; a cosignature only once it is persisted."""
        checked = check_submission(body, self.trusted)
        if isinstance(checked, Refusal):
            return _refusal_answer(checked)
        for _ in range(_RACE_RETRIES):
            held = self.store.held(checked.checkpoint.origin)
            state = NEVER_COSIGNED if held is None else held.state
            refusal = judge(checked, state)
            if refusal is not None:
                self._keep(body, checked, refusal, held)
                return _refusal_answer(refusal)
            answer = self._cosign(checked, None if held is None else held.state)
            if answer is not None:
                return answer
            # Another submission moved the state between our read and our write: judge again.
        return Answer(503, b"the witness is busy with this log; try again\n", TEXT)

    def _cosign(self, sub: Submission, expected: LogState | None) -> Answer | None:
        text = sub.request.checkpoint_note.text
        cosignature = self.signer.cosign(text, self._clock())
        kept = Note(text, (*sub.log_signatures, cosignature.note_signature()))
        new = HeldCheckpoint(
            sub.checkpoint.origin,
            sub.checkpoint.tree_size,
            sub.checkpoint.root_hash,
            kept.to_bytes(),
            cosignature.timestamp,
        )
        if not self.store.advance(expected, new):
            return None
        return Answer(200, format_cosignature_response([cosignature]), TEXT)

    def _keep(
        self, body: bytes, sub: Submission, refusal: Refusal, held: HeldCheckpoint | None
    ) -> None:
        if not refusal.evidence:
            return
        self.store.keep_evidence(
            origin=sub.checkpoint.origin,
            received_at=self._clock(),
            status=refusal.status,
            reason=refusal.reason,
            request=body,
            held=held,
            held_state=NEVER_COSIGNED if held is None else held.state,
        )

    def latest(self, origin_hash: str) -> bytes | None:
        """The newest cosigned checkpoint of the log whose origin's SHA-256 hex is given."""
        origin = self._by_hash.get(origin_hash)
        if origin is None:
            return None
        held = self.store.held(origin)
        return None if held is None else held.checkpoint_note


def _refusal_answer(refusal: Refusal) -> Answer:
    if refusal.status == 409 and refusal.tree_size is not None:
        return Answer(409, format_tree_size_body(refusal.tree_size), TREE_SIZE_CONTENT_TYPE)
    return Answer(refusal.status, f"{refusal.reason}\n".encode(), TEXT)


def origin_warnings(logs: Sequence[Ed25519Verifier]) -> list[str]:
    """Notes for the operator about log names that are not schema-less URLs (still accepted)."""
    notes: list[str] = []
    for log in logs:
        try:
            check_origin(log.name)
        except ValueError as exc:
            notes.append(f"log {log.name}: {exc}")
    return notes
