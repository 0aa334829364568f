"""Reading the account tables as the security log's replay compares them (``verify``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql.account_store import SqlAccountStore, auth_events, sessions
from coldcheck.adapters.sql.security_log_store import legacy_auth_rows
from coldcheck.service.account_model import Session, SessionKind
from coldcheck.service.security_log import SecurityReplay, account_state, session_state

__all__ = ["account_tables", "rebuild_audit_rows"]


def account_tables(
    conn: Connection,
) -> tuple[
    dict[str, dict[str, Any]],
    dict[str, dict[str, Any]],
    dict[int, dict[str, Any]],
    Sequence[Sequence[Any]],
]:
    """Accounts and live sessions as records state them, audit rows by position, older rows."""
    store = SqlAccountStore(conn)
    accounts: dict[str, dict[str, Any]] = {}
    for user in store.users():
        creds = store.credentials(user.id)
        if creds is not None:
            accounts[user.id] = account_state(user, creds)
    live: dict[str, dict[str, Any]] = {}
    for r in conn.execute(select(sessions)):
        state = session_state(
            Session(
                token_hash=r.token_hash,
                user_id=r.user_id,
                kind=SessionKind(r.kind) if r.kind in ("web", "api") else SessionKind.WEB,
                csrf_token=r.csrf_token,
                created_at=r.created_at,
                expires_at=r.expires_at,
                last_seen_at=r.last_seen_at,
            )
        )
        if r.kind not in ("web", "api"):
            state["kind"] = r.kind
        live[str(state["token"])] = state
    c = auth_events.c
    rows: dict[int, dict[str, Any]] = {}
    for r in conn.execute(
        select(c.seq, c.at, c.user_id, c.login, c.kind, c.detail).where(c.seq.is_not(None))
    ):
        rows[int(r.seq)] = {
            "seq": int(r.seq),
            "at": r.at.isoformat() if r.at is not None else None,
            "user_id": r.user_id,
            "login": r.login,
            "kind": r.kind,
            "detail": r.detail,
        }
    legacy = [tuple(r) for r in conn.execute(legacy_auth_rows())]
    return accounts, live, rows, legacy


def rebuild_audit_rows(conn: Connection, replay: SecurityReplay) -> None:
    """Write the audit rows of the security records anew (older rows are left as they are)."""
    conn.execute(delete(auth_events).where(auth_events.c.seq.is_not(None)))
    rows: list[Mapping[str, Any]] = []
    from datetime import datetime

    for seq, row in sorted(replay.audit_rows.items()):
        rows.append(
            {
                "seq": seq,
                "at": datetime.fromisoformat(str(row["at"])),
                "user_id": row["user_id"],
                "login": row["login"],
                "kind": row["kind"],
                "detail": row["detail"] or "",
            }
        )
    if rows:
        conn.execute(insert(auth_events), rows)
