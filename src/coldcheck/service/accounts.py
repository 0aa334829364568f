"""Accounts: passwords, PINs and their lockout, sessions, API tokens, CSRF tokens.

People log in with a password (office pages and the API) and confirm
handoffs at the cart with a 4-8 digit PIN (R12). Secrets are hashed with
argon2id; sessions and API tokens are random tokens of which only the
SHA-256 is stored.

How to call it
--------------
``AccountService`` holds no connection and no clock. Every use case takes
the ``AccountStore`` of the caller's transaction and the time, so the HTTP
layer decides where the transaction begins and ends::

    accounts = AccountService(Argon2Hasher())          # once, in bootstrap
    with engine.begin() as conn:                       # per request
        try:
            user = accounts.authenticate(SqlAccountStore(conn), login, pw, clock.now())
        except CredentialRefused as refused:
            error = refused                            # let the block COMMIT
    if error: ...respond 401 / 423 after the commit...

**Refusals of a credential are recorded, and the record must be committed.**
``InvalidCredentials``, ``WrongPin`` and ``PinLocked`` (all
``CredentialRefused``) are raised *after* the store has counted the failure
and written an ``auth_events`` row. A caller that lets the exception roll
the transaction back throws the failure count away, and the PIN lockout can
then be beaten by guessing. So catch ``CredentialRefused`` inside the
transaction, commit, and answer afterwards. For R12, check the PINs in their
own transaction before the handoff command's transaction. Every other
``AccountError`` is raised before anything is written.

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
     └── CredentialRefused          the failure is recorded: COMMIT, then answer
          ├── InvalidCredentials
          ├── WrongPin(remaining_attempts)
          └── PinLocked(until)

Nothing here logs a secret, and no value it returns holds one: ``User`` and
``Session`` have no hash fields in their ``repr``, hashes live only in
``Credentials`` (``repr=False``), and ``auth_events.detail`` is written
from fixed phrases, never from input.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "API_TOKEN_TTL",
    "ARGON2_MEMORY_COST_KIB",
    "ARGON2_PARALLELISM",
    "ARGON2_TIME_COST",
    "LOGIN_PATTERN",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "PIN_ARGON2_MEMORY_COST_KIB",
    "PIN_ARGON2_TIME_COST",
    "PIN_LOCK_DURATION",
    "PIN_MAX_FAILURES",
    "PIN_PATTERN",
    "SESSION_TOUCH_INTERVAL",
    "WEB_SESSION_TTL",
    "AccountConflict",
    "AccountError",
    "AccountService",
    "AccountStore",
    "Argon2Hasher",
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
    "PinLocked",
    "SecretHasher",
    "Session",
    "SessionKind",
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

WEB_SESSION_TTL = timedelta(hours=12)
"""A page session lasts one shooting day; the cookie expires with it."""

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
_MAX_TOKEN_LENGTH = 256  # longer "tokens" are refused without a database look-up

# argon2id, measured on the 2-core build machine (argon2-cffi 25.1, median of 7):
#   t=2  m=19 MiB p=1 (OWASP minimum)   19 ms
#   t=2  m=64 MiB p=1                  106 ms   <- chosen
#   t=3  m=64 MiB p=1                  140 ms
#   t=3  m=64 MiB p=4 (RFC 9106 #2)    115 ms
# ~0.1 s per password leaves room for a slower cart laptop and for three
# PINs at one handoff (R12), and is five times the OWASP floor. p=1 keeps
# one verification on one core so parallel logins don't fight for threads.
ARGON2_TIME_COST = 2
"""argon2id passes over memory."""

ARGON2_MEMORY_COST_KIB = 65536
"""argon2id memory per hash, in KiB (64 MiB)."""

ARGON2_PARALLELISM = 1
"""argon2id lanes."""

PIN_ARGON2_TIME_COST = 1
PIN_ARGON2_MEMORY_COST_KIB = 8192
"""argon2id for PINs: t=1, 8 MiB (a few ms); see ``AccountService``."""

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

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace the password hash."""
        ...

    def set_pin_hash(self, user_id: str, pin_hash: str) -> None:
        """Replace the PIN hash and clear the failure count and any lock."""
        ...

    def record_pin_failure(
        self, user_id: str, now: datetime, limit: int, lock_until: datetime
    ) -> PinFailure | None:
        """Atomically count one wrong PIN; at ``limit`` set the lock and zero the count.

        Returns None, changing nothing, when the PIN is already locked at ``now``
        (a concurrent attempt locked it first).
        """
        ...

    def reset_pin_failures(self, user_id: str) -> None:
        """Zero the failure count and clear the lock."""
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


# --------------------------------------------------------------------------
# Pure helpers
# --------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    """Hex SHA-256 of a session or API token: what is stored instead of the token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def check_csrf(session: Session, token: str | None) -> bool:
    """True when ``token`` is this session's CSRF token (constant-time comparison)."""
    if not token:
        return False
    return hmac.compare_digest(session.csrf_token.encode("utf-8"), token.encode("utf-8"))


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("accounts need a timezone-aware time; pass clock.now()")
    return now.astimezone(UTC)


def normalise_login(login: str) -> str:
    """The stored form of a login: trimmed, lower-cased; raises ``InvalidLogin``."""
    value = login.strip()
    if not value.isascii() or not LOGIN_PATTERN.fullmatch(value.lower()):
        raise InvalidLogin(
            "Login must be 2 to 80 characters of a-z, 0-9, dot, underscore or hyphen "
            "(for example 'j.smith'). Choose another."
        )
    return value.lower()


def _normalise_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _check_new_password(password: str, login: str) -> str:
    value = _normalise_password(password)
    if len(value) < MIN_PASSWORD_LENGTH:
        raise InvalidPassword(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters. "
            "A few unrelated words make a long one that is easy to remember."
        )
    if len(value) > MAX_PASSWORD_LENGTH:
        raise InvalidPassword(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters. Choose a shorter one."
        )
    if value.strip().lower() == login:
        raise InvalidPassword("Password must not be the login. Choose another.")
    return value


def _check_new_pin(pin: str) -> str:
    if not PIN_PATTERN.fullmatch(pin):
        raise InvalidPin("PIN must be 4 to 8 digits (0-9), nothing else. Choose another.")
    return pin


def _check_display_name(display_name: str) -> str:
    value = display_name.strip()
    if not value or len(value) > MAX_DISPLAY_NAME_LENGTH or not value.isprintable():
        raise InvalidDisplayName(
            f"Display name must be 1 to {MAX_DISPLAY_NAME_LENGTH} printable characters, "
            "for example 'Jo Smith (armorer)'."
        )
    return value


def _check_person_id(person_id: str) -> str:
    value = person_id.strip()
    if not value or len(value) > MAX_PERSON_ID_LENGTH or not value.isprintable():
        raise InvalidPersonId(
            f"Person id must be 1 to {MAX_PERSON_ID_LENGTH} printable characters; "
            "use the id of the person as registered on the production."
        )
    return value


# --------------------------------------------------------------------------
# Use cases
# --------------------------------------------------------------------------


class AccountService:
    """The accounts use cases; stateless apart from the hashers, so build one and share it.

    ``pin_hasher`` (default: ``hasher``) hashes PINs. A 4-8 digit PIN falls to an
    offline search whatever the hash costs; what protects it is the lockout after
    five wrong tries. So PINs get cheaper parameters (``Argon2Hasher.for_pins()``)
    and a handoff's confirmations do not cost a tenth of a second each.
    """

    def __init__(
        self,
        hasher: SecretHasher,
        *,
        pin_hasher: SecretHasher | None = None,
        web_session_ttl: timedelta = WEB_SESSION_TTL,
        api_token_ttl: timedelta = API_TOKEN_TTL,
    ) -> None:
        self._hasher = hasher
        self._pin_hasher = pin_hasher or hasher
        self._ttl = {SessionKind.WEB: web_session_ttl, SessionKind.API: api_token_ttl}
        # what an unknown login is checked against, so it costs one hash too
        self._dummy_hash = hasher.hash(secrets.token_urlsafe(16))

    # -- accounts ----------------------------------------------------------

    def create_user(
        self,
        store: AccountStore,
        *,
        login: str,
        display_name: str,
        person_id: str,
        password: str,
        pin: str | None,
        now: datetime,
    ) -> User:
        """Create an account; every value is checked before anything is stored."""
        now = _utc(now)
        login_ = normalise_login(login)
        name = _check_display_name(display_name)
        person = _check_person_id(person_id)
        password_ = _check_new_password(password, login_)
        pin_ = _check_new_pin(pin) if pin is not None else None
        if store.user_by_login(login_) is not None:
            raise LoginTaken(f"Login '{login_}' is taken. Choose another.")
        if store.user_by_person(person) is not None:
            raise PersonAlreadyHasAccount(
                f"Person {person} already has an account; change its password or PIN instead."
            )
        user = User(
            id=str(uuid.uuid4()),
            login=login_,
            display_name=name,
            person_id=person,
            created_at=now,
        )
        creds = Credentials(
            user_id=user.id,
            password_hash=self._hasher.hash(password_),
            pin_hash=self._pin_hasher.hash(pin_) if pin_ is not None else None,
        )
        store.add_user(user, creds)
        self._event(store, now, AuthEventKind.USER_CREATED, user)
        return user

    def set_password(
        self,
        store: AccountStore,
        user_id: str,
        new_password: str,
        now: datetime,
        *,
        keep_session: Session | None = None,
    ) -> None:
        """Replace the password and sign out every session of the user but ``keep_session``.

        To let people change their own password, verify the current one with
        ``authenticate`` first; this method is also the administrator's reset.
        """
        now = _utc(now)
        user = self._user(store, user_id)
        password_ = _check_new_password(new_password, user.login)
        store.set_password_hash(user.id, self._hasher.hash(password_))
        keep = keep_session.token_hash if keep_session is not None else None
        revoked = store.delete_user_sessions(user.id, keep=keep)
        self._event(
            store, now, AuthEventKind.PASSWORD_CHANGED, user, f"{revoked} other session(s) ended"
        )

    def set_pin(self, store: AccountStore, user_id: str, new_pin: str, now: datetime) -> None:
        """Replace the PIN; this also clears the failure count and any lock."""
        now = _utc(now)
        user = self._user(store, user_id)
        pin_ = _check_new_pin(new_pin)
        store.set_pin_hash(user.id, self._pin_hasher.hash(pin_))
        self._event(store, now, AuthEventKind.PIN_CHANGED, user)

    def user(self, store: AccountStore, user_id: str) -> User:
        """The account with this id; raises ``UnknownUser``."""
        return self._user(store, user_id)

    # -- passwords ---------------------------------------------------------

    def authenticate(self, store: AccountStore, login: str, password: str, now: datetime) -> User:
        """The user whose login and password these are; else ``InvalidCredentials`` (recorded).

        An unknown login costs one hash too, so timing does not tell which
        logins exist. A hash made with older parameters is replaced.
        """
        now = _utc(now)
        try:
            login_ = normalise_login(login)
        except InvalidLogin:
            login_ = None
        user = store.user_by_login(login_) if login_ is not None else None
        creds = store.credentials(user.id) if user is not None else None
        secret = _normalise_password(password)
        if user is None or creds is None:
            self._hasher.verify(self._dummy_hash, secret)
            self._event(store, now, AuthEventKind.LOGIN_FAILED, None, "unknown login", login_)
            raise InvalidCredentials()
        if len(secret) > MAX_PASSWORD_LENGTH or not self._hasher.verify(
            creds.password_hash, secret
        ):
            self._event(store, now, AuthEventKind.LOGIN_FAILED, user, "wrong password")
            raise InvalidCredentials()
        if self._hasher.needs_rehash(creds.password_hash):
            store.set_password_hash(user.id, self._hasher.hash(secret))
        self._event(store, now, AuthEventKind.LOGIN_OK, user)
        return user

    # -- PINs --------------------------------------------------------------

    def verify_pin(self, store: AccountStore, person_id: str, pin: str, now: datetime) -> bool:
        """True when ``pin`` is this person's PIN; else ``WrongPin`` / ``PinLocked`` (recorded).

        ``PIN_MAX_FAILURES`` wrong PINs in a row lock the PIN for
        ``PIN_LOCK_DURATION``; while locked even the right PIN is refused and
        not even checked. The right PIN resets the count.
        """
        now = _utc(now)
        user = store.user_by_person(person_id)
        creds = store.credentials(user.id) if user is not None else None
        if user is None or creds is None or creds.pin_hash is None:
            raise NoPinSet(
                f"Person {person_id} has no PIN. An administrator can set one "
                "(coldcheck user set-pin)."
            )
        locked = creds.pin_locked_until
        if locked is not None and locked > now:
            self._event(store, now, AuthEventKind.PIN_REFUSED_LOCKED, user)
            raise PinLocked(locked)
        if PIN_PATTERN.fullmatch(pin) and self._pin_hasher.verify(creds.pin_hash, pin):
            if creds.pin_failures or locked is not None:
                store.reset_pin_failures(user.id)
            if self._pin_hasher.needs_rehash(creds.pin_hash):
                store.set_pin_hash(user.id, self._pin_hasher.hash(pin))
            self._event(store, now, AuthEventKind.PIN_OK, user)
            return True
        failure = store.record_pin_failure(user.id, now, PIN_MAX_FAILURES, now + PIN_LOCK_DURATION)
        if failure is None:  # another attempt locked it meanwhile
            fresh = store.credentials(user.id)
            until = fresh.pin_locked_until if fresh is not None else None
            self._event(store, now, AuthEventKind.PIN_REFUSED_LOCKED, user)
            raise PinLocked(until or now + PIN_LOCK_DURATION)
        self._event(
            store,
            now,
            AuthEventKind.PIN_FAILED,
            user,
            f"wrong PIN {failure.failures} of {PIN_MAX_FAILURES}",
        )
        if failure.locked_until is not None:
            self._event(
                store,
                now,
                AuthEventKind.PIN_LOCKED,
                user,
                f"locked until {failure.locked_until.isoformat()}",
            )
            raise PinLocked(failure.locked_until)
        raise WrongPin(PIN_MAX_FAILURES - failure.failures)

    # -- sessions ----------------------------------------------------------

    def open_session(
        self,
        store: AccountStore,
        user: User,
        kind: SessionKind,
        now: datetime,
        ttl: timedelta | None = None,
    ) -> tuple[str, Session]:
        """Start a page session or issue an API token; return the raw token (shown once)."""
        now = _utc(now)
        kind = SessionKind(kind)
        raw = secrets.token_urlsafe(32)
        session = Session(
            token_hash=hash_token(raw),
            user_id=user.id,
            kind=kind,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + (ttl if ttl is not None else self._ttl[kind]),
            last_seen_at=now,
        )
        store.add_session(session)
        self._event(store, now, AuthEventKind.SESSION_OPENED, user, f"{kind.value} session")
        return raw, session

    def session_for_token(
        self,
        store: AccountStore,
        raw: str | None,
        now: datetime,
        kind: SessionKind | None = None,
    ) -> tuple[Session, User] | None:
        """The live session and user for a raw token, or None (unknown, expired, other kind).

        ``last_seen_at`` is written at most once per ``SESSION_TOUCH_INTERVAL``.
        """
        now = _utc(now)
        if not raw or len(raw) > _MAX_TOKEN_LENGTH:
            return None
        session = store.session(hash_token(raw))
        if session is None or session.expires_at <= now:
            return None
        if kind is not None and session.kind != kind:
            return None
        user = store.user_by_id(session.user_id)
        if user is None:
            return None
        if now - session.last_seen_at >= SESSION_TOUCH_INTERVAL:
            store.touch_session(session.token_hash, now)
            session = Session(
                token_hash=session.token_hash,
                user_id=session.user_id,
                kind=session.kind,
                csrf_token=session.csrf_token,
                created_at=session.created_at,
                expires_at=session.expires_at,
                last_seen_at=now,
            )
        return session, user

    def revoke_session(self, store: AccountStore, raw: str | None, now: datetime) -> bool:
        """Sign out / revoke the token; True if there was such a session."""
        now = _utc(now)
        if not raw or len(raw) > _MAX_TOKEN_LENGTH:
            return False
        gone = store.delete_session(hash_token(raw))
        if gone is None:
            return False
        user = store.user_by_id(gone.user_id)
        self._event(store, now, AuthEventKind.SESSION_REVOKED, user, f"{gone.kind.value} session")
        return True

    def revoke_user_sessions(
        self, store: AccountStore, user_id: str, now: datetime, *, keep: Session | None = None
    ) -> int:
        """Sign a user out everywhere (but ``keep``); return how many sessions ended."""
        now = _utc(now)
        user = self._user(store, user_id)
        n = store.delete_user_sessions(user.id, keep.token_hash if keep is not None else None)
        self._event(store, now, AuthEventKind.SESSION_REVOKED, user, f"{n} session(s)")
        return n

    @staticmethod
    def check_csrf(session: Session, token: str | None) -> bool:
        """True when ``token`` is the session's CSRF token (see module ``check_csrf``)."""
        return check_csrf(session, token)

    # -- audit -------------------------------------------------------------

    def events(
        self, store: AccountStore, user_id: str | None = None, limit: int | None = None
    ) -> Sequence[AuthEvent]:
        """The accounts audit trail, oldest first."""
        return store.events(user_id=user_id, limit=limit)

    # -- internals ---------------------------------------------------------

    def _user(self, store: AccountStore, user_id: str) -> User:
        user = store.user_by_id(user_id)
        if user is None:
            raise UnknownUser(f"No account with id {user_id}.")
        return user

    @staticmethod
    def _event(
        store: AccountStore,
        now: datetime,
        kind: AuthEventKind,
        user: User | None,
        detail: str = "",
        login: str | None = None,
    ) -> None:
        store.add_event(
            AuthEvent(
                at=now,
                kind=kind,
                user_id=user.id if user is not None else None,
                login=user.login if user is not None else login,
                detail=detail,
            )
        )
