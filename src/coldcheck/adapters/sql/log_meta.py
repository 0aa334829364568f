"""The log's settings fixed at ``coldcheck init`` (``ledger_meta``): its origin, and more.

The *origin* names this server's log in every checkpoint (its first line) and is the
log key's name in its vkey, so witnesses know the log by it: ``init`` sets it once
(``--origin``, or a default from the host name and the log id) and refuses to change it.
"""

from __future__ import annotations

import re
import socket

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from coldcheck.adapters.sql.evidence_tables import ledger_meta
from coldcheck.ledger.checkpoint import check_origin

__all__ = ["ORIGIN", "SECURITY_LOG", "default_origin", "get_meta", "set_meta_once"]

ORIGIN = "origin"
SECURITY_LOG = "security_log"
"""Set once the security log covers every account (a fresh log, or after the baseline)."""


def get_meta(conn: Connection, name: str) -> str | None:
    """The value of a setting, or None."""
    value = conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.name == name)).scalar()
    return None if value is None else str(value)


def set_meta_once(conn: Connection, name: str, value: str) -> bool:
    """Set ``name`` if unset (True); refuse (ValueError) to change it; False if already equal."""
    current = get_meta(conn, name)
    if current == value:
        return False
    if current is not None:
        raise ValueError(
            f"the log's {name} is {current!r} and is fixed; it cannot become {value!r}"
        )
    conn.execute(insert(ledger_meta).values(name=name, value=value))
    return True


def default_origin(log_id: bytes, host: str | None = None) -> str:
    """``<host name>/coldcheck/<first 16 hex of the log id>``, as a valid origin.

    The host name is lower-cased and anything but letters, digits, dots and hyphens
    becomes a hyphen; an unusable one becomes ``coldcheck.invalid``.
    """
    name = (host if host is not None else socket.gethostname()).strip().lower()
    labels = [re.sub(r"[^a-z0-9-]", "-", part).strip("-")[:63] for part in name.split(".")]
    labels = [label for label in labels if label]
    hostname = ".".join(labels)[:200] or "coldcheck.invalid"
    origin = f"{hostname}/coldcheck/{log_id.hex()[:16]}"
    try:
        return check_origin(origin)
    except ValueError:
        return check_origin(f"coldcheck.invalid/coldcheck/{log_id.hex()[:16]}")
