"""Challenges and single-use confirmations in SQL (issue 19, items 11 and 12c).

``SqlConfirmationStore`` works on a ``Connection`` whose transaction the
caller owns: the confirmation service's own short transactions, or the
custody unit of work, which consumes confirmations in the transaction that
appends the command's events. Consuming is one ``UPDATE ... WHERE
consumed_at IS NULL``: a confirmation is used at most once even when two
commands race for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, Engine, RowMapping

from coldcheck.adapters.sql.account_store import UtcDateTime
from coldcheck.adapters.sql.engine import WRITE, writer_lock
from coldcheck.adapters.sql.tables import metadata
from coldcheck.domain.codec import to_json
from coldcheck.domain.ids import PersonId, ProductionId
from coldcheck.domain.model import PasskeySignature
from coldcheck.service.passkeys import signature_from_json
from coldcheck.service.ports import Challenge, Confirmation

__all__ = [
    "CONFIRMATION_TABLES",
    "SqlConfirmationStore",
    "SqlConfirmationTransactions",
    "command_confirmations",
    "confirmation_challenges",
]

#: How long an expired challenge is kept before it is forgotten (used ones stay).
KEEP_EXPIRED = timedelta(days=1)

confirmation_challenges = Table(
    "confirmation_challenges",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("production", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("command", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("log_size", BigInteger, nullable=False),
    Column("nonce", String(32), nullable=False),
    Column("summary", Text, nullable=False),
    Column("people", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    # JSON {person: what they tick before confirming}; NULL for a challenge without one
    Column("pledges", Text, nullable=True),
    Index("ix_confirmation_challenges_expires_at", "expires_at"),
)

command_confirmations = Table(
    "command_confirmations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column(
        "challenge",
        String(32),
        ForeignKey("confirmation_challenges.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("person", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("consumed_at", UtcDateTime(), nullable=True),
    Column("consumed_seq", BigInteger().with_variant(Integer(), "sqlite"), nullable=True),
    # the passkey assertion (JSON) of a confirmation given with a passkey; NULL for a PIN
    Column("assertion", Text, nullable=True),
    Index("ix_command_confirmations_challenge", "challenge"),
)

CONFIRMATION_TABLES = (confirmation_challenges, command_confirmations)


def _challenge(row: RowMapping) -> Challenge:
    return Challenge(
        id=row["id"],
        production=ProductionId(row["production"]),
        actor=PersonId(row["actor"]),
        command=row["command"],
        digest=row["digest"],
        log_size=int(row["log_size"]),
        nonce=row["nonce"],
        summary=row["summary"],
        people=tuple(PersonId(p) for p in row["people"].split("\n") if p),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        pledges=_pledges(row["pledges"]),
    )


def _pledges(stored: str | None) -> tuple[tuple[PersonId, str], ...]:
    if stored is None:
        return ()
    return tuple(sorted((PersonId(p), str(t)) for p, t in json.loads(stored).items()))


def _assertion(stored: str | None) -> PasskeySignature | None:
    return signature_from_json(json.loads(stored)) if stored is not None else None


# Built once (SQLAlchemy builds and keys a statement made per call again on every call).
_ADD_CHALLENGE = insert(confirmation_challenges)
_CHALLENGE = select(confirmation_challenges).where(
    confirmation_challenges.c.id == bindparam("challenge_id")
)
_ADD_CONFIRMATION = insert(command_confirmations)
_CONFIRMATIONS = (
    select(
        command_confirmations.c.id.label("cid"),
        command_confirmations.c.challenge.label("cchallenge"),
        command_confirmations.c.person.label("cperson"),
        command_confirmations.c.at.label("cat"),
        command_confirmations.c.consumed_at.label("cconsumed_at"),
        command_confirmations.c.consumed_seq.label("cconsumed_seq"),
        command_confirmations.c.assertion.label("cassertion"),
        *confirmation_challenges.c,
    )
    .join(
        confirmation_challenges,
        confirmation_challenges.c.id == command_confirmations.c.challenge,
    )
    .where(command_confirmations.c.id.in_(bindparam("ids", expanding=True)))
)
_CONSUME = (
    update(command_confirmations)
    .where(
        command_confirmations.c.id.in_(bindparam("ids", expanding=True)),
        command_confirmations.c.consumed_at.is_(None),
    )
    .values(consumed_at=bindparam("b_at"), consumed_seq=bindparam("b_seq"))
)


class SqlConfirmationStore:
    """Challenges and confirmations on one connection; never commits."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_challenge(self, challenge: Challenge) -> None:
        """Store a new challenge."""
        self._conn.execute(
            _ADD_CHALLENGE,
            {
                "id": challenge.id,
                "production": challenge.production,
                "actor": challenge.actor,
                "command": challenge.command,
                "digest": challenge.digest,
                "log_size": challenge.log_size,
                "nonce": challenge.nonce,
                "summary": challenge.summary,
                "people": "\n".join(challenge.people),
                "created_at": challenge.created_at,
                "expires_at": challenge.expires_at,
                "pledges": json.dumps(dict(challenge.pledges)) if challenge.pledges else None,
            },
        )

    def challenge(self, challenge_id: str) -> Challenge | None:
        """The challenge with this id, expired or not."""
        row = self._conn.execute(_CHALLENGE, {"challenge_id": challenge_id}).mappings().first()
        return _challenge(row) if row is not None else None

    def add_confirmation(self, confirmation: Confirmation) -> None:
        """Store a confirmation of a stored challenge."""
        self._conn.execute(
            _ADD_CONFIRMATION,
            {
                "id": confirmation.id,
                "challenge": confirmation.challenge,
                "person": confirmation.person,
                "at": confirmation.at,
                "assertion": (
                    json.dumps(to_json(confirmation.assertion))
                    if confirmation.assertion is not None
                    else None
                ),
            },
        )

    def confirmations(self, ids: Sequence[str]) -> list[tuple[Confirmation, Challenge]]:
        """The confirmations with these ids (those that exist), each with its challenge."""
        if not ids:
            return []
        rows = self._conn.execute(_CONFIRMATIONS, {"ids": list(ids)}).mappings()
        out = []
        for row in rows:
            conf = Confirmation(
                id=row["cid"],
                challenge=row["cchallenge"],
                person=PersonId(row["cperson"]),
                at=row["cat"],
                consumed_at=row["cconsumed_at"],
                consumed_seq=row["cconsumed_seq"],
                assertion=_assertion(row["cassertion"]),
            )
            out.append((conf, _challenge(row)))
        return out

    def confirmations_of(self, challenge_id: str) -> list[Confirmation]:
        """Every confirmation given against this challenge, used or not."""
        rows = self._conn.execute(
            select(command_confirmations).where(command_confirmations.c.challenge == challenge_id)
        ).mappings()
        return [
            Confirmation(
                id=row["id"],
                challenge=row["challenge"],
                person=PersonId(row["person"]),
                at=row["at"],
                consumed_at=row["consumed_at"],
                consumed_seq=row["consumed_seq"],
                assertion=_assertion(row["assertion"]),
            )
            for row in rows
        ]

    def consume(self, ids: Sequence[str], at: datetime, seq: int) -> int:
        """Mark unused confirmations used by the command at ``seq``; how many were marked."""
        if not ids:
            return 0
        result = self._conn.execute(_CONSUME, {"ids": list(ids), "b_at": at, "b_seq": seq})
        return int(result.rowcount)

    def delete_expired(self, now: datetime) -> int:
        """Forget challenges that expired a day ago and were never used."""
        used = select(command_confirmations.c.challenge).where(
            command_confirmations.c.consumed_at.is_not(None)
        )
        old = confirmation_challenges.c.expires_at < now - KEEP_EXPIRED
        self._conn.execute(
            delete(command_confirmations).where(
                command_confirmations.c.consumed_at.is_(None),
                command_confirmations.c.challenge.in_(
                    select(confirmation_challenges.c.id).where(old)
                ),
            )
        )
        result = self._conn.execute(
            delete(confirmation_challenges).where(old, confirmation_challenges.c.id.not_in(used))
        )
        return int(result.rowcount)


class SqlConfirmationTransactions:
    """Opens one transaction over the confirmation tables (writes queue on the writer lock)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def __call__(self, *, write: bool = True) -> Iterator[SqlConfirmationStore]:
        if not write:
            with self._engine.begin() as conn:
                yield SqlConfirmationStore(conn)
            return
        with writer_lock(self._engine), self._engine.execution_options(**WRITE).begin() as conn:
            yield SqlConfirmationStore(conn)
