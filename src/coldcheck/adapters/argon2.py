"""argon2id hashing of passwords and PINs (the service's ``SecretHasher``).

Parameters, measured on the 2-core build machine (argon2-cffi 25.1, median of 7)::

    t=2  m=19 MiB p=1 (OWASP minimum)   19 ms
    t=2  m=64 MiB p=1                  106 ms   <- chosen for passwords
    t=3  m=64 MiB p=1                  140 ms
    t=3  m=64 MiB p=4 (RFC 9106 #2)    115 ms

~0.1 s per password leaves room for a slower cart laptop, and is five times
the OWASP floor. p=1 keeps one verification on one core so parallel logins
don't fight for threads. PINs get t=1, 8 MiB (a few ms): a 4-8 digit PIN
falls to an offline search whatever the hash costs, so the PIN hasher is
wrapped in ``PepperedHasher``: the PIN is first keyed (HMAC-SHA256) with a
secret that is not in the database but derived from the log's signing key
file (``pin_pepper``), so a copy of the database or a ``pg_dump`` alone lets
nobody test a PIN offline. Online, the lockout protects it (see
``coldcheck.service.account_model``).
"""

from __future__ import annotations

import hashlib
import hmac

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from coldcheck.service.account_model import SecretHasher

__all__ = [
    "ARGON2_MEMORY_COST_KIB",
    "ARGON2_PARALLELISM",
    "ARGON2_TIME_COST",
    "PEPPERED_PREFIX",
    "PIN_ARGON2_MEMORY_COST_KIB",
    "PIN_ARGON2_TIME_COST",
    "Argon2Hasher",
    "PepperedHasher",
    "pin_pepper",
]

ARGON2_TIME_COST = 2
"""argon2id passes over memory (passwords)."""

ARGON2_MEMORY_COST_KIB = 65536
"""argon2id memory per password hash, in KiB (64 MiB)."""

ARGON2_PARALLELISM = 1
"""argon2id lanes."""

PIN_ARGON2_TIME_COST = 1
PIN_ARGON2_MEMORY_COST_KIB = 8192
"""argon2id for PINs: t=1, 8 MiB (a few ms)."""


class Argon2Hasher:
    """argon2id with coldcheck's parameters; tests pass cheap ones (``Argon2Hasher.cheap()``)."""

    def __init__(
        self,
        time_cost: int = ARGON2_TIME_COST,
        memory_cost: int = ARGON2_MEMORY_COST_KIB,
        parallelism: int = ARGON2_PARALLELISM,
    ) -> None:
        self._ph = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )

    @classmethod
    def for_pins(cls) -> Argon2Hasher:
        """coldcheck's PIN parameters (t=1, 8 MiB)."""
        return cls(time_cost=PIN_ARGON2_TIME_COST, memory_cost=PIN_ARGON2_MEMORY_COST_KIB)

    @classmethod
    def cheap(cls) -> Argon2Hasher:
        """Minimal parameters (t=1, 8 KiB): microseconds per hash, for tests only."""
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    def hash(self, secret: str) -> str:
        """A PHC-format argon2id hash of ``secret``."""
        return self._ph.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        """True when ``secret`` matches; False on mismatch or an unreadable hash."""
        try:
            return self._ph.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        """True when ``hashed`` used other parameters (or is unreadable)."""
        try:
            return self._ph.check_needs_rehash(hashed)
        except InvalidHashError:
            return True

    def __repr__(self) -> str:
        p = self._ph
        return (
            f"Argon2Hasher(time_cost={p.time_cost}, memory_cost={p.memory_cost}, "
            f"parallelism={p.parallelism})"
        )


PEPPERED_PREFIX = "hmac-sha256-v1:"
"""What a peppered hash starts with; the rest is the inner PHC hash of the keyed secret."""

_PEPPER_INFO = b"coldcheck PIN pepper v1"


def pin_pepper(private_key_raw: bytes) -> bytes:
    """The PIN pepper: 32 bytes derived from the raw Ed25519 private key (HMAC-SHA256,
    domain-separated), so it lives in the 0600 key file, not in the database."""
    if len(private_key_raw) != 32:
        raise ValueError("the pepper is derived from a raw 32-byte Ed25519 private key")
    return hmac.new(private_key_raw, _PEPPER_INFO, hashlib.sha256).digest()


class PepperedHasher:
    """A hasher whose secrets are keyed with a server secret before the inner hash.

    Stored form: ``hmac-sha256-v1:`` + the inner hash of ``HMAC-SHA256(pepper, secret)``
    (hex). A hash from before the pepper (no prefix) still verifies against the secret
    itself, and ``needs_rehash`` says True for it, so the account service replaces it on
    the next successful use.
    """

    def __init__(self, inner: SecretHasher, pepper: bytes) -> None:
        if len(pepper) < 16:
            raise ValueError("a pepper must be at least 16 bytes")
        self._inner = inner
        self._pepper = pepper

    def _keyed(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode("utf-8"), hashlib.sha256).hexdigest()

    def hash(self, secret: str) -> str:
        """The prefixed inner hash of the keyed secret."""
        return PEPPERED_PREFIX + self._inner.hash(self._keyed(secret))

    def verify(self, hashed: str, secret: str) -> bool:
        """True when ``secret`` matches a peppered hash, or an older unpeppered one."""
        if hashed.startswith(PEPPERED_PREFIX):
            return self._inner.verify(hashed[len(PEPPERED_PREFIX) :], self._keyed(secret))
        return self._inner.verify(hashed, secret)

    def needs_rehash(self, hashed: str) -> bool:
        """True for an unpeppered hash, or one made with other inner parameters."""
        if not hashed.startswith(PEPPERED_PREFIX):
            return True
        return self._inner.needs_rehash(hashed[len(PEPPERED_PREFIX) :])

    def __repr__(self) -> str:  # never the pepper
        return f"PepperedHasher({self._inner!r})"
