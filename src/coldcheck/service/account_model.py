"""Accounts' vocabulary: policy constants, errors, values and ports (no use case here).

People log in with a password (office pages and the API) and confirm
handoffs at the cart with a 4-8 digit PIN (R12). Secrets are hashed (the
``SecretHasher`` port; argon2id in ``adapters.argon2``); sessions and API
tokens are random tokens of which only the SHA-256 is stored.

Where things are: the use cases, each in its own transaction, are
``coldcheck.service.accounts.AccountService``; the steps they take inside
one transaction are ``coldcheck.service.account_steps.AccountSteps``.

Exceptions::

    AccountError
     ├── InvalidAccountInput        refused before anything is written
     │    ├── InvalidLogin
     │    ├── InvalidPassword
     │    ├── InvalidPin
     │    ├── InvalidDisplayName
     │    └── InvalidPersonId
     ├── AccountConflict
     │    ├── LoginTaken
     │    └── PersonAlreadyHasAccount
     ├── UnknownUser
     ├── NoPinSet
     ├── TriesThrottled         too many wrong tries from this device or for this login: wait
     └── CredentialRefused          the failure is recorded and committed before it is raised
          ├── InvalidCredentials
          ├── WrongPin(remaining_attempts)
          ├── PinLocked(until)
          │    └── PinHeld           locked until the armorer or producer clears it
          └── PinRefused(person, cause)  one PIN of several, and why

Nothing here logs a secret, and no value holds one in its ``repr``: hashes
live only in ``Credentials`` (``repr=False``), and ``auth_events.detail``
is written from fixed phrases, never from input.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

__all__ = [
    "API_TOKEN_TTL",
    "LOGIN_PATTERN",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PIN_HELD_UNTIL",
    "PIN_HOLD_AFTER_LOCKS",
    "PIN_HOLD_KEY",
    "PIN_HOLD_WINDOW",
    "PIN_LOCK_DURATION",
    "PIN_MAX_FAILURES",
    "PIN_PATTERN",
    "SESSION_TOUCH_INTERVAL",
    "WEB_SESSION_TTL",
    "AccountConflict",
    "AccountError",
    "AccountStore",
    "AuthEvent",
    "AuthEventKind",
    "CredentialRefused",
    "Credentials",
    "InvalidAccountInput",
    "InvalidCredentials",
    "InvalidDisplayName",
    "InvalidLogin",
    "InvalidPassword",
    "InvalidPersonId",
    "InvalidPin",
    "LoginTaken",
    "NoPinSet",
    "PersonAlreadyHasAccount",
    "PinFailure",
    "PinHeld",
    "PinLocked",
    "PinRefused",
    "SecretHasher",
    "Session",
    "SessionKind",
    "TriesThrottled",
    "UnknownUser",
    "User",
    "WrongPin",
    "check_csrf",
    "hash_token",
    "normalise_login",
]

# --------------------------------------------------------------------------
# Policy constants
# --------------------------------------------------------------------------

PIN_MAX_FAILURES = 5
"""Wrong PINs in a row that lock a person's PIN (issue 5)."""

PIN_LOCK_DURATION = timedelta(minutes=15)
"""How long a locked PIN refuses everything, even the right PIN."""

PIN_HOLD_AFTER_LOCKS = 3
"""Lock periods within ``PIN_HOLD_WINDOW`` after which the PIN is held (issue 15)."""

PIN_HOLD_WINDOW = timedelta(hours=24)
"""The window in which lock periods count towards a hold."""

PIN_HOLD_KEY = "*"
"""The ``pin_lockouts`` production key of a hold: it applies on every production."""

PIN_HELD_UNTIL = datetime(9999, 12, 31, tzinfo=UTC)
"""The lock time a hold is stored with: it ends only when someone clears it."""

WEB_SESSION_TTL = timedelta(hours=16)
"""A page session lasts one shooting day (``COLDCHECK_SESSION_HOURS`` changes it)."""

API_TOKEN_TTL = timedelta(days=30)
"""Default life of a bearer token for the API."""

SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
"""``last_seen_at`` is written at most this often per session (not on every request)."""

LOGIN_PATTERN = re.compile(r"[a-z0-9._-]{2,80}")
"""A login after lower-casing: 2-80 of a-z, 0-9, dot, underscore, hyphen."""

MIN_PASSWORD_LENGTH = 10
"""Shortest password accepted, in characters after NFKC normalisation."""

MAX_PASSWORD_LENGTH = 1024
"""Longest password accepted; bounds the work an attacker can ask of the hasher."""

PIN_PATTERN = re.compile(r"[0-9]{4,8}")
"""A PIN: 4 to 8 ASCII digits."""

MAX_DISPLAY_NAME_LENGTH = 120
MAX_PERSON_ID_LENGTH = 64
MAX_TOKEN_LENGTH = 256  # longer "tokens" are refused without a database look-up

# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class AccountError(Exception):
    """Base of every accounts refusal; ``str()`` says what was wrong and what to do."""


class InvalidAccountInput(AccountError):
    """A value given to create or change an account is not acceptable."""


class InvalidLogin(InvalidAccountInput):
    """The login is not 2-80 of a-z, 0-9, '.', '_', '-'."""


class InvalidPassword(InvalidAccountInput):
    """The new password is too short, too long or otherwise unusable."""


class InvalidPin(InvalidAccountInput):
    """The new PIN is not 4 to 8 digits."""


class InvalidDisplayName(InvalidAccountInput):
    """The display name is empty or too long."""


class InvalidPersonId(InvalidAccountInput):
    """The person id is empty or too long."""


class AccountConflict(AccountError):
    """The account would clash with one that exists."""


class LoginTaken(AccountConflict):
    """Another account has this login."""


class PersonAlreadyHasAccount(AccountConflict):
    """This person already has an account; one person, one account."""


class UnknownUser(AccountError):
    """No account with that id or person."""


class NoPinSet(AccountError):
    """The person has an account but no PIN (or no account at all)."""


class TriesThrottled(AccountError):
    """Too many wrong passwords or PINs for a login or from a client: nothing was checked.

    ``retry_after`` is the whole seconds to wait; ``until`` when the next try is taken.
    The words are the same whether the login exists or not.
    """

    def __init__(self, what: str, until: datetime, retry_after: int) -> None:
        self.until = until
        self.retry_after = retry_after
        super().__init__(
            f"Too many wrong {what}. Nothing was checked: try again in {retry_after} "
            f"second{'' if retry_after == 1 else 's'} (at {until.strftime('%H:%M:%S')} UTC)."
        )


class CredentialRefused(AccountError):
    """A password or PIN was refused and the refusal was recorded: commit, then answer."""


class InvalidCredentials(CredentialRefused):
    """Wrong login or password; deliberately does not say which."""

    def __init__(self) -> None:
        super().__init__("Login or password is wrong. Check both and try again.")


class WrongPin(CredentialRefused):
    """The PIN was wrong; ``remaining_attempts`` more before it locks."""

    def __init__(self, remaining_attempts: int) -> None:
        self.remaining_attempts = remaining_attempts
        minutes = int(PIN_LOCK_DURATION.total_seconds() // 60)
        super().__init__(
            f"Wrong PIN. {remaining_attempts} more wrong "
            f"{'try' if remaining_attempts == 1 else 'tries'} will lock this PIN "
            f"for {minutes} minutes."
        )


class PinLocked(CredentialRefused):
    """The PIN is locked until ``until`` after too many wrong tries; even the right PIN fails."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"This PIN is locked after {PIN_MAX_FAILURES} wrong tries until "
            f"{until.strftime('%H:%M')} UTC. Wait until then; an administrator "
            "can set a new PIN to unlock it sooner."
        )


class PinHeld(PinLocked):
    """The PIN was locked ``PIN_HOLD_AFTER_LOCKS`` times within ``PIN_HOLD_WINDOW``: it stays
    locked, on every production, until the armorer or the producer clears it.

    ``newly`` is True on the try that set the hold (the service alerts them then);
    ``person`` and ``production`` say whose PIN and where the last lock happened.
    """

    def __init__(self, person: str = "", production: str = "", *, newly: bool = False) -> None:
        self.person = person
        self.production = production
        self.newly = newly
        CredentialRefused.__init__(
            self,
            f"This PIN is locked after {PIN_HOLD_AFTER_LOCKS} lock periods within "
            f"{int(PIN_HOLD_WINDOW.total_seconds() // 3600)} hours, until the armorer or "
            "the producer clears it (coldcheck user clear-pin-hold). Ask them.",
        )
        self.until = PIN_HELD_UNTIL


class PinRefused(CredentialRefused):
    """One PIN of a confirmation was refused: whose (``person``) and why (``cause``).

    Raised after the transaction committed (wrong and locked PINs count).
    """

    def __init__(self, person: str, cause: AccountError) -> None:
        self.person = person
        self.cause = cause
        super().__init__(f"{person}: {cause}")


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


class SessionKind(StrEnum):
    """A page session (cookie + CSRF) or an API bearer token."""

    WEB = "web"
    API = "api"


class AuthEventKind(StrEnum):
    """What an ``auth_events`` row records."""

    USER_CREATED = "user_created"
    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    PIN_OK = "pin_ok"
    PIN_FAILED = "pin_failed"
    PIN_LOCKED = "pin_locked"
    PIN_REFUSED_LOCKED = "pin_refused_locked"
    PASSWORD_CHANGED = "password_changed"
    PIN_CHANGED = "pin_changed"
    SESSION_OPENED = "session_opened"
    SESSION_REVOKED = "session_revoked"
    PIN_HELD = "pin_held"
    PIN_HOLD_CLEARED = "pin_hold_cleared"
    SIGNIN_THROTTLED = "signin_throttled"


@dataclass(frozen=True, slots=True)
class User:
    """An account, without any secret: safe to render or serialise."""

    id: str
    login: str
    display_name: str
    person_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Credentials:
    """The secrets and PIN counters of one account; only the service reads these."""

    user_id: str
    password_hash: str = field(repr=False)
    pin_hash: str | None = field(repr=False)
    pin_failures: int = 0
    pin_locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in page or an API token; the raw token is never kept, only its SHA-256."""

    token_hash: str = field(repr=False)
    user_id: str
    kind: SessionKind
    csrf_token: str = field(repr=False)
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class AuthEvent:
    """One line of the accounts audit trail; ``detail`` never holds a secret."""

    at: datetime
    kind: AuthEventKind
    user_id: str | None = None
    login: str | None = None
    detail: str = ""
    id: int | None = None
    session: str | None = field(default=None, repr=False)
    """The stored SHA-256 of the session's token, for session events (never the token)."""


class PinFailure(NamedTuple):
    """What a recorded wrong PIN did: the count reached, and the lock if it was set."""

    failures: int
    locked_until: datetime | None


# --------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------


class AccountStore(Protocol):
    """Where accounts, sessions and auth events live; one instance per transaction."""

    def add_user(self, user: User, credentials: Credentials) -> None:
        """Insert; raise ``LoginTaken`` / ``PersonAlreadyHasAccount`` on a clash."""
        ...

    def user_by_id(self, user_id: str) -> User | None:
        """The account with this id."""
        ...

    def user_by_login(self, login: str) -> User | None:
        """The account with this (already lower-cased) login."""
        ...

    def user_by_person(self, person_id: str) -> User | None:
        """The account of this person."""
        ...

    def users(self) -> list[User]:
        """Every account, by login."""
        ...

    def credentials(self, user_id: str) -> Credentials | None:
        """The hashes and PIN counters of this account."""
        ...

    def account_of_person(self, person_id: str) -> tuple[User, Credentials] | None:
        """This person's account and its credentials, in one read (a PIN check's first)."""
        ...

    def account_of_user(self, user_id: str) -> tuple[User, Credentials] | None:
        """The account with this id and its credentials, in one read."""
        ...

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace the password hash."""
        ...

    def set_pin_hash(self, user_id: str, pin_hash: str) -> None:
        """Replace the PIN hash and clear the failure counts and locks on every production."""
        ...

    def record_pin_failure(
        self, user_id: str, now: datetime, limit: int, lock_until: datetime, production: str = ""
    ) -> PinFailure | None:
        """Atomically count one wrong PIN; at ``limit`` set the lock and zero the count.

        Counts are kept per production (``""``: a PIN checked outside any
        production), so wrong PINs typed on one production never lock the PIN on
        another. Returns None, changing nothing, when the PIN is already locked at
        ``now`` (a concurrent attempt locked it first).
        """
        ...

    def pin_lockout(self, user_id: str, production: str = "") -> tuple[int, datetime | None]:
        """The wrong PINs in a row and the lock, on this production."""
        ...

    def pin_locks(self, user_id: str, production: str = "") -> tuple[bool, int, datetime | None]:
        """In one read: whether the PIN is held (``PIN_HOLD_KEY``), and the wrong PINs in a
        row and the lock on this production (as :meth:`pin_lockout`)."""
        ...

    def reset_pin_failures(self, user_id: str, production: str = "") -> None:
        """Zero the failure count and clear the lock on this production."""
        ...

    def set_pin_lock(self, user_id: str, production: str, until: datetime) -> None:
        """Lock the PIN on ``production`` (a non-empty key, e.g. ``PIN_HOLD_KEY``) until then."""
        ...

    def add_session(self, session: Session) -> None:
        """Insert a session."""
        ...

    def session(self, token_hash: str) -> Session | None:
        """The session with this token hash, expired or not."""
        ...

    def touch_session(self, token_hash: str, now: datetime) -> None:
        """Set ``last_seen_at``."""
        ...

    def delete_session(self, token_hash: str) -> Session | None:
        """Remove a session; return what was removed."""
        ...

    def delete_user_sessions(self, user_id: str, keep: str | None = None) -> int:
        """Remove every session of a user except the one hashed ``keep``; return how many."""
        ...

    def delete_expired_sessions(self, now: datetime) -> int:
        """Remove sessions with ``expires_at <= now``; return how many."""
        ...

    def add_event(self, event: AuthEvent) -> None:
        """Append an audit event (its ``id`` is assigned by the store)."""
        ...

    def events(self, user_id: str | None = None, limit: int | None = None) -> list[AuthEvent]:
        """Audit events, oldest first; the latest ``limit`` if given; one user's if given."""
        ...

    def events_since(
        self, user_id: str, since: datetime, kinds: frozenset[AuthEventKind]
    ) -> list[AuthEvent]:
        """One user's audit events of these kinds at or after ``since``, oldest first."""
        ...


class SecretHasher(Protocol):
    """Hashes passwords and PINs; ``verify`` never raises for a wrong secret or bad hash."""

    def hash(self, secret: str) -> str:
        """A self-describing hash string (PHC format)."""
        ...

    def verify(self, hashed: str, secret: str) -> bool:
        """True when ``secret`` matches ``hashed``."""
        ...

    def needs_rehash(self, hashed: str) -> bool:
        """True when ``hashed`` was made with other parameters than this hasher's."""
        ...


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    """Hex SHA-256 of a session or API token: what is stored instead of the token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def check_csrf(session: Session, token: str | None) -> bool:
    """True when ``token`` is this session's CSRF token (constant-time comparison)."""
    if not token:
        return False
    return hmac.compare_digest(session.csrf_token.encode("utf-8"), token.encode("utf-8"))


def normalise_login(login: str) -> str:
    """The stored form of a login: trimmed, lower-cased; raises ``InvalidLogin``."""
    value = login.strip()
    if not value.isascii() or not LOGIN_PATTERN.fullmatch(value.lower()):
        raise InvalidLogin(
            "Login must be 2 to 80 characters of a-z, 0-9, dot, underscore or hyphen "
            "(for example 'j.smith'). Choose another."
        )
    return value.lower()
