"""The security log as evidence: what a security record says, and what the records explain.

Every row the accounts audit trail gets (sign-ins, wrong and refused PINs, lock-outs,
accounts created, passwords and PINs changed, sessions opened and ended) is also a
``security`` record in the ledger (``coldcheck.ledger.records``), in the same
transaction, under the same signed heads and witnesses as the custody events::

    {"record": "security", "seq": 812, "time": "2026-11-25T21:02:13.512000+00:00",
     "kind": "pin_failed", "user": "<account id>", "login": "jack", "detail": "wrong PIN 2 of 5",
     "channel": "server",
     "account": {"id", "login", "name", "person", "password": "<digest>", "pin": "<digest>",
                 "pin_failures": 2, "pin_locked_until": null},
     "session": null | {"token": "<digest>", "kind": "web", "expires": "..."}}

``account`` is the account as it is *after* the event; a digest is
``base64(SHA-256("coldcheck credential v1" || 0x00 || hash string))`` of the stored
argon2 hash (or of the stored SHA-256 of a session token) — it identifies the hash
without revealing it. So replaying the records gives every account, credential and live
session the tables may hold: ``coldcheck verify`` reports an account no record created
(planted), a password or PIN hash no record explains (replaced), a session no record
opened, and any edited or deleted audit row.

A log whose accounts existed before the security log starts with a *baseline*: one
``baseline_account`` record per account, one ``baseline_session`` per live session and a
``baseline_auth_events`` record whose detail is the count and a digest of the older
audit rows (:func:`legacy_rows_digest`), all
written in one commit by ``coldcheck init`` (and allowed only before any other security
record).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coldcheck.ledger.records import SECURITY
from coldcheck.service.account_model import AuthEvent, Credentials, Session, User

__all__ = [
    "BASELINE_ACCOUNT",
    "BASELINE_AUTH_EVENTS",
    "BASELINE_SESSION",
    "SecurityReplay",
    "account_state",
    "credential_digest",
    "legacy_rows_digest",
    "security_fields",
    "session_state",
]

BASELINE_ACCOUNT = "baseline_account"
BASELINE_SESSION = "baseline_session"
BASELINE_AUTH_EVENTS = "baseline_auth_events"
BASELINES = frozenset({BASELINE_ACCOUNT, BASELINE_SESSION, BASELINE_AUTH_EVENTS})

_TAG = b"coldcheck credential v1\x00"


def credential_digest(hashed: str | None) -> str | None:
    """The digest a record keeps of a stored hash (None stays None)."""
    if hashed is None:
        return None
    return base64.b64encode(hashlib.sha256(_TAG + hashed.encode("utf-8")).digest()).decode()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def account_state(user: User, creds: Credentials) -> dict[str, Any]:
    """The account as a record states it (digests, never a hash)."""
    return {
        "id": user.id,
        "login": user.login,
        "name": user.display_name,
        "person": user.person_id,
        "password": credential_digest(creds.password_hash),
        "pin": credential_digest(creds.pin_hash),
        "pin_failures": creds.pin_failures,
        "pin_locked_until": _iso(creds.pin_locked_until),
    }


def session_state(session: Session) -> dict[str, Any]:
    """A live session as a record states it."""
    return {
        "token": credential_digest(session.token_hash),
        "kind": session.kind.value,
        "user": session.user_id,
        "expires": _iso(session.expires_at),
    }


def security_fields(
    seq: int,
    event: AuthEvent,
    channel: str,
    account: Mapping[str, Any] | None,
    session: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The fields of the security record of ``event`` at log position ``seq``."""
    return {
        "record": SECURITY,
        "seq": seq,
        "time": event.at.isoformat(),
        "kind": event.kind.value,
        "user": event.user_id,
        "login": event.login,
        "detail": event.detail,
        "channel": channel,
        "account": None if account is None else dict(account),
        "session": None if session is None else dict(session),
    }


def legacy_rows_digest(rows: Iterable[Sequence[Any]]) -> str:
    """A digest of the audit rows written before the security log, in id order."""
    h = hashlib.sha256(b"coldcheck legacy auth_events v1\x00")
    for row in rows:
        h.update(repr(tuple(str(v) if v is not None else None for v in row)).encode("utf-8"))
        h.update(b"\x00")
    return base64.b64encode(h.digest()).decode()


@dataclass
class SecurityReplay:
    """Fold the security records of a log; then say what the account tables should hold."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit_rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    legacy: tuple[int, str] | None = None
    """From a baseline: how many audit rows came before the security log, and their digest."""
    problems: list[str] = field(default_factory=list)
    _others: int = 0

    def add(self, seq: int, fields: Mapping[str, Any]) -> None:
        """Fold one security record."""
        kind = fields.get("kind")
        if kind in BASELINES:
            if self._others:
                self.problems.append(
                    f"entry {seq}: a security baseline after the security log had started"
                    " (accounts can only be taken as they are once, when the log begins)"
                )
        else:
            self._others += 1
        if kind == BASELINE_AUTH_EVENTS:
            count, _, digest = str(fields.get("detail", "")).partition(" ")
            self.legacy = (int(count) if count.isdigit() else -1, digest)
        account = fields.get("account")
        if isinstance(account, dict) and isinstance(account.get("id"), str):
            self.accounts[account["id"]] = dict(account)
        session = fields.get("session")
        if isinstance(session, dict) and isinstance(session.get("token"), str):
            if kind in ("session_opened", BASELINE_SESSION):
                self.sessions[session["token"]] = dict(session)
            elif kind == "session_revoked":
                self.sessions.pop(session["token"], None)
        if kind not in BASELINES:
            self.audit_rows[seq] = {
                "seq": seq,
                "at": fields.get("time"),
                "user_id": fields.get("user"),
                "login": fields.get("login"),
                "kind": kind,
                "detail": fields.get("detail"),
            }

    def differences(
        self,
        accounts: Mapping[str, Mapping[str, Any]],
        sessions: Mapping[str, Mapping[str, Any]],
        audit_rows: Mapping[int, Mapping[str, Any]],
        legacy_rows: Sequence[Sequence[Any]],
    ) -> list[str]:
        """Every difference between the account tables and what the records explain."""
        out = list(self.problems)
        for uid in sorted(set(accounts) | set(self.accounts)):
            have, want = accounts.get(uid), self.accounts.get(uid)
            if want is None:
                login = have.get("login") if have else "?"
                out.append(
                    f"account {login} ({uid}): no security record created it (planted in the"
                    " database, or created outside coldcheck)"
                )
            elif have is None:
                out.append(f"account {want['login']} ({uid}): recorded but missing (deleted)")
            else:
                for name in sorted(want):
                    if have.get(name) != want[name]:
                        what = {
                            "password": "password hash",
                            "pin": "PIN hash",
                        }.get(name, name.replace("_", " "))
                        out.append(
                            f"account {want['login']} ({uid}): its {what} differs from the"
                            " one the security log explains (replaced outside coldcheck)"
                        )
        for token in sorted(sessions):
            if token not in self.sessions:
                out.append(
                    f"a {sessions[token].get('kind')} session of account"
                    f" {sessions[token].get('user')}: no security record opened it (planted)"
                )
            elif dict(sessions[token]) != self.sessions[token]:
                out.append(
                    f"a session of account {sessions[token].get('user')}: its kind, account or"
                    " expiry differs from the one recorded"
                )
        for seq in sorted(set(audit_rows) | set(self.audit_rows)):
            have, want = audit_rows.get(seq), self.audit_rows.get(seq)
            if have is None:
                out.append(f"auth_events row of entry {seq}: missing (the log says {want})")
            elif want is None:
                out.append(f"auth_events row of entry {seq}: no such security record")
            elif dict(have) != want:
                diff = {k: (have.get(k), v) for k, v in want.items() if have.get(k) != v}
                out.append(f"auth_events row of entry {seq}: differs from the log: {diff}")
        if self.legacy is not None:
            count, digest = self.legacy
            if len(legacy_rows) != count or legacy_rows_digest(legacy_rows) != digest:
                out.append(
                    f"auth_events: the {count} rows written before the security log no longer"
                    f" match their digest in the baseline ({len(legacy_rows)} rows now):"
                    " edited or deleted"
                )
        elif legacy_rows:
            out.append(
                f"auth_events: {len(legacy_rows)} rows belong to no security record and no"
                " baseline (inserted outside coldcheck)"
            )
        return out
