"""Settings, built once at the edge from the environment and CLI flags.

Nothing here is created at import time: ``Settings.from_env()`` reads the
``COLDCHECK_*`` variables, and CLI flags override them through
``Settings.with_overrides``. The resulting frozen object is passed down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_DATA = "coldcheck-data"
KEY_FILE_NAME = "ledger-signing-key.pem"
DB_FILE_NAME = "coldcheck.sqlite3"
DEFAULT_SESSION_HOURS = 16.0
#: A cart session from a few seconds (tests) to two days.
SESSION_HOURS_RANGE = (0.001, 48.0)
TLS_DIR_NAME = "tls"
DEFAULT_WITNESS_STALE_MINUTES = 60


class ConfigError(ValueError):
    """A setting has a value coldcheck cannot use; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Where coldcheck keeps its data and how it serves it."""

    data_dir: Path
    database_url_override: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    secure_cookies: bool = False
    session_hours: float = DEFAULT_SESSION_HOURS
    tls: bool = False
    public_hosts: tuple[str, ...] = ()
    """``COLDCHECK_PUBLIC_HOSTS``: the names and addresses links and QR codes may use
    (empty: localhost, the loopback addresses, ``host`` and the cart certificate's)."""
    witnesses: str = ""
    """``COLDCHECK_WITNESSES``: comma-separated ``VKEY@URL`` of the witnesses to submit to."""
    witness_stale_minutes: int = DEFAULT_WITNESS_STALE_MINUTES
    """``COLDCHECK_WITNESS_STALE_MINUTES``: the board warns when witnesses are this far behind."""

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: the override, or the SQLite file in the data folder."""
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite:///{(self.data_dir / DB_FILE_NAME).resolve()}"

    @property
    def database_kind(self) -> str:
        """``sqlite`` or ``postgresql``, from the URL's scheme."""
        scheme = self.database_url.split(":", 1)[0]
        return scheme.split("+", 1)[0]

    @property
    def tls_dir(self) -> Path:
        """The cart's HTTPS certificate authority and server certificate (``coldcheck init``)."""
        return self.data_dir / TLS_DIR_NAME

    @property
    def key_path(self) -> Path:
        """The ledger's Ed25519 signing key, beside the database (mode 0600)."""
        return self.data_dir / KEY_FILE_NAME

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``COLDCHECK_*`` variables; defaults need nothing."""
        env = os.environ if env is None else env
        port_text = env.get("COLDCHECK_PORT", str(DEFAULT_PORT))
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(
                f"COLDCHECK_PORT={port_text!r} is not a port number; use e.g. 8000"
            ) from None
        if not 0 < port < 65536:
            raise ConfigError(f"COLDCHECK_PORT={port} is out of range; use 1-65535")
        url = env.get("COLDCHECK_DATABASE_URL") or None
        if url is not None and url.split(":", 1)[0].split("+", 1)[0] not in (
            "sqlite",
            "postgresql",
        ):
            raise ConfigError(
                f"COLDCHECK_DATABASE_URL must start with sqlite:// or postgresql+psycopg://,"
                f" got {url.split(':', 1)[0]!r}"
            )
        hours_text = env.get("COLDCHECK_SESSION_HOURS", str(DEFAULT_SESSION_HOURS))
        try:
            hours = float(hours_text)
        except ValueError:
            hours = -1.0
        low, high = SESSION_HOURS_RANGE
        if not low <= hours <= high:
            raise ConfigError(
                f"COLDCHECK_SESSION_HOURS={hours_text!r} must be a number of hours from"
                f" {low} to {high:g} (e.g. 16 for a shoot day)"
            )
        hosts = tuple(
            h.strip().lower() for h in env.get("COLDCHECK_PUBLIC_HOSTS", "").split(",") if h.strip()
        )
        for h in hosts:
            if len(h) > 253 or not all(ch.isalnum() or ch in ".-:" for ch in h):
                raise ConfigError(
                    f"COLDCHECK_PUBLIC_HOSTS: {h[:60]!r} is not a host name or IP address;"
                    " list them separated by commas, e.g. cart.local,192.168.1.20"
                )
        stale_text = env.get("COLDCHECK_WITNESS_STALE_MINUTES", str(DEFAULT_WITNESS_STALE_MINUTES))
        if not stale_text.isdigit() or not 1 <= int(stale_text) <= 10_080:
            raise ConfigError(
                f"COLDCHECK_WITNESS_STALE_MINUTES={stale_text!r} must be whole minutes from 1"
                " to 10080 (a week); e.g. 60"
            )
        witnesses = env.get("COLDCHECK_WITNESSES", "")
        if len(witnesses) > 32_000:
            raise ConfigError("COLDCHECK_WITNESSES is longer than 32000 characters")
        return cls(
            data_dir=Path(env.get("COLDCHECK_DATA", DEFAULT_DATA)),
            public_hosts=hosts,
            session_hours=hours,
            witnesses=witnesses,
            witness_stale_minutes=int(stale_text),
            database_url_override=url,
            host=env.get("COLDCHECK_HOST", DEFAULT_HOST),
            port=port,
            secure_cookies=env.get("COLDCHECK_SECURE_COOKIES", "") in ("1", "true", "yes"),
        )

    def with_overrides(
        self,
        *,
        data_dir: Path | None = None,
        database_url: str | None = None,
        host: str | None = None,
        port: int | None = None,
        tls: bool | None = None,
    ) -> Settings:
        """Return a copy with the given CLI flags applied over the environment."""
        return replace(
            self,
            data_dir=data_dir if data_dir is not None else self.data_dir,
            database_url_override=database_url or self.database_url_override,
            host=host if host is not None else self.host,
            port=port if port is not None else self.port,
            tls=tls if tls is not None else self.tls,
        )
