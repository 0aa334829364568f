"""The witnesses' answers in SQL (``witness_status``, ``witness_cosignatures``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from coldcheck.adapters.sql.engine import WRITE
from coldcheck.adapters.sql.evidence_tables import witness_cosignatures, witness_status
from coldcheck.ledger.cosignature import Cosignature
from coldcheck.service.witnessing import WitnessStatus

__all__ = ["SqlWitnessStore"]

_FIELDS = (
    "vkey",
    "url",
    "cosigned_size",
    "failures",
    "next_try_ms",
    "last_try_ms",
    "last_status",
    "last_error",
    "fork",
    "fork_at_ms",
)


class SqlWitnessStore:
    """``WitnessStore`` on SQL; each call is its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def status(self, vkey: str) -> WitnessStatus | None:
        """The status of one witness."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(*(witness_status.c[f] for f in _FIELDS)).where(witness_status.c.vkey == vkey)
            ).first()
        return None if row is None else WitnessStatus(*row)

    def save_status(self, status: WitnessStatus) -> None:
        """Keep a witness's status (a recorded fork is never overwritten by a non-fork)."""
        values = {f: getattr(status, f) for f in _FIELDS}
        with self._engine.execution_options(**WRITE).begin() as conn:
            old = conn.execute(
                select(witness_status.c.fork, witness_status.c.fork_at_ms).where(
                    witness_status.c.vkey == status.vkey
                )
            ).first()
            if old is not None and old.fork is not None:
                values["fork"], values["fork_at_ms"] = old.fork, old.fork_at_ms
            conn.execute(delete(witness_status).where(witness_status.c.vkey == status.vkey))
            conn.execute(insert(witness_status).values(**values))

    def add_cosignature(self, vkey: str, tree_size: int, cosignature: Cosignature) -> None:
        """Keep one cosignature line (a repeat for the same size is ignored)."""
        line = cosignature.line().rstrip("\n")
        try:
            with self._engine.execution_options(**WRITE).begin() as conn:
                conn.execute(
                    insert(witness_cosignatures).values(
                        vkey=vkey, tree_size=tree_size, timestamp=cosignature.timestamp, line=line
                    )
                )
        except IntegrityError:
            pass

    def cosignatures(self, tree_size: int) -> list[tuple[str, str]]:
        """Every cosignature held for ``tree_size``."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(witness_cosignatures.c.vkey, witness_cosignatures.c.line)
                .where(witness_cosignatures.c.tree_size == tree_size)
                .order_by(witness_cosignatures.c.vkey)
            ).all()
        return [(str(v), str(line)) for v, line in rows]

    def newest_cosigned(self, vkeys: Sequence[str]) -> int | None:
        """The largest size any of these witnesses cosigned."""
        if not vkeys:
            return None
        with self._engine.connect() as conn:
            size = conn.execute(
                select(func.max(witness_cosignatures.c.tree_size)).where(
                    witness_cosignatures.c.vkey.in_(list(vkeys))
                )
            ).scalar()
        return None if size is None else int(size)

    def forget(self, vkey: str) -> None:
        """Drop a witness's status (its cosignatures stay: they are evidence)."""
        with self._engine.execution_options(**WRITE).begin() as conn:
            conn.execute(delete(witness_status).where(witness_status.c.vkey == vkey))
