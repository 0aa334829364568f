"""Tables of issue 13's evidence: the log's settings, the subject index, witnesses' answers.

``ledger_meta(name, value)``
    settings of the log fixed at ``coldcheck init``: ``origin`` (the checkpoints' first
    line and the log key's name); ``security_log`` (the position of the record from which
    the accounts are explained by the security log).
``subject_index(seq, production, first, through, timestamp_ms)``
    derived: one row per subject-index record of the log (``ledger.records``), so the next
    one can name it and a bundle can find them; ``coldcheck verify`` compares it with the
    log and ``--rebuild`` rewrites it.
``witness_status(vkey, ...)``
    per witness the production submits to: the size it last cosigned, back-off, the last
    answer, and a fork it reported (never cleared by the submitter).
``witness_cosignatures(vkey, tree_size, timestamp, line)``
    every cosignature a witness returned, as its signature line.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from coldcheck.adapters.sql.tables import metadata

__all__ = [
    "EVIDENCE_TABLES",
    "ledger_meta",
    "subject_index",
    "witness_cosignatures",
    "witness_status",
]

ledger_meta = Table(
    "ledger_meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(1024), nullable=False),
)

subject_index = Table(
    "subject_index",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("production", String(64), nullable=False),
    Column("first", BigInteger, nullable=False),
    Column("through", BigInteger, nullable=False),
    Column("timestamp_ms", BigInteger, nullable=False),
    Index("ix_subject_index_production_seq", "production", "seq", unique=True),
)

witness_status = Table(
    "witness_status",
    metadata,
    Column("vkey", String(600), primary_key=True),
    Column("url", String(1000), nullable=False),
    Column("cosigned_size", BigInteger, nullable=False, server_default="0"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("next_try_ms", BigInteger, nullable=False, server_default="0"),
    Column("last_try_ms", BigInteger, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("fork", Text, nullable=True),
    Column("fork_at_ms", BigInteger, nullable=True),
)

witness_cosignatures = Table(
    "witness_cosignatures",
    metadata,
    Column("vkey", String(600), primary_key=True),
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("line", Text, nullable=False),
    Index("ix_witness_cosignatures_tree_size", "tree_size"),
)

EVIDENCE_TABLES = (ledger_meta, subject_index, witness_status, witness_cosignatures)
