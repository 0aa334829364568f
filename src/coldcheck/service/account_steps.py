"""The steps of the account use cases inside ONE transaction (an ``AccountStore``).

``AccountSteps`` holds no connection and no clock: each method takes the
store of the caller's transaction and the time. Only
:class:`coldcheck.service.accounts.AccountService` calls it, and it owns the
transactions: in particular it commits a refused credential (the failure
count and its ``auth_events`` row) before it raises, so a guesser cannot
roll the lockout back. ``InvalidCredentials``, ``WrongPin`` and
``PinLocked`` are raised here *after* the failure was written to the
store; every other ``AccountError`` before anything is written.
"""

from __future__ import annotations

import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from coldcheck.service.account_model import (
    API_TOKEN_TTL,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    MAX_PERSON_ID_LENGTH,
    MAX_TOKEN_LENGTH,
    MIN_PASSWORD_LENGTH,
    PIN_HELD_UNTIL,
    PIN_HOLD_AFTER_LOCKS,
    PIN_HOLD_KEY,
    PIN_HOLD_WINDOW,
    PIN_LOCK_DURATION,
    PIN_MAX_FAILURES,
    PIN_PATTERN,
    SESSION_TOUCH_INTERVAL,
    WEB_SESSION_TTL,
    AccountStore,
    AuthEvent,
    AuthEventKind,
    Credentials,
    InvalidCredentials,
    InvalidDisplayName,
    InvalidLogin,
    InvalidPassword,
    InvalidPersonId,
    InvalidPin,
    LoginTaken,
    NoPinSet,
    PersonAlreadyHasAccount,
    PinHeld,
    PinLocked,
    SecretHasher,
    Session,
    SessionKind,
    UnknownUser,
    User,
    WrongPin,
    check_csrf,
    hash_token,
    normalise_login,
)


class AccountSteps:
    """Account operations within one store; stateless apart from the hashers, so share one.

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
        # what an unknown login (or a person without a PIN) is checked against,
        # so it costs one hash too
        self._dummy_hash = hasher.hash(secrets.token_urlsafe(16))
        self._dummy_pin_hash = self._pin_hasher.hash(
            "".join(secrets.choice("0123456789") for _ in range(8))
        )

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

    def check_pin_first(
        self, store: AccountStore, person_id: str, pin: str, now: datetime, production: str = ""
    ) -> tuple[str, bool] | None:
        """The PIN's hash as stored now and whether ``pin`` matches it, read without writing.

        For :meth:`verify_pin`'s ``checked``: argon2 runs before the write transaction
        (and the writer lock it takes), and the write transaction uses the verdict only if
        the stored hash is still the same. None (nothing checked) when the person has no
        PIN or the PIN is held or locked now: a locked PIN is not even checked.
        """
        now = _utc(now)
        account = store.account_of_person(person_id)
        if account is None:
            return None
        user, creds = account
        held, _, locked = store.pin_locks(user.id, production)
        if creds.pin_hash is None or held or (locked is not None and locked > now):
            return None
        matches = bool(PIN_PATTERN.fullmatch(pin)) and self._pin_hasher.verify(creds.pin_hash, pin)
        return creds.pin_hash, matches

    def verify_pin(
        self,
        store: AccountStore,
        person_id: str,
        pin: str,
        now: datetime,
        production: str = "",
        checked: tuple[str, bool] | None = None,
    ) -> bool:
        """True when ``pin`` is this person's PIN; else ``WrongPin`` / ``PinLocked`` (recorded).

        ``PIN_MAX_FAILURES`` wrong PINs in a row lock the PIN for
        ``PIN_LOCK_DURATION`` on ``production`` (``""``: outside any production);
        while locked even the right PIN is refused and not even checked. The
        right PIN resets the count there. A person without a PIN costs one hash
        too, so timing does not tell who has an account. ``checked``: what
        :meth:`check_pin_first` found for this very PIN, used when the stored hash
        is still the one it checked (else the PIN is hashed here).
        """
        now = _utc(now)
        account = store.account_of_person(person_id)
        if account is None or account[1].pin_hash is None:
            self._pin_hasher.verify(self._dummy_pin_hash, pin)
            raise NoPinSet(
                f"Person {person_id} has no PIN. An administrator can set one "
                "(coldcheck user set-pin)."
            )
        user, creds = account
        assert creds.pin_hash is not None
        where = f" on {production}" if production else ""
        held, failures, locked = store.pin_locks(user.id, production)
        if held:
            self._event(store, now, AuthEventKind.PIN_REFUSED_LOCKED, user, f"held{where}")
            raise PinHeld(user.person_id, production)
        if locked is not None and locked > now:
            self._event(store, now, AuthEventKind.PIN_REFUSED_LOCKED, user, where.strip())
            raise PinLocked(locked)
        if checked is not None and checked[0] == creds.pin_hash:
            matches = checked[1]
        else:
            matches = bool(PIN_PATTERN.fullmatch(pin)) and self._pin_hasher.verify(
                creds.pin_hash, pin
            )
        if matches:
            if failures or locked is not None:
                store.reset_pin_failures(user.id, production)
            if self._pin_hasher.needs_rehash(creds.pin_hash):
                store.set_pin_hash(user.id, self._pin_hasher.hash(pin))
            self._event(store, now, AuthEventKind.PIN_OK, user, where.strip())
            return True
        failure = store.record_pin_failure(
            user.id, now, PIN_MAX_FAILURES, now + PIN_LOCK_DURATION, production
        )
        if failure is None:  # another attempt locked it meanwhile
            until = store.pin_lockout(user.id, production)[1]
            self._event(store, now, AuthEventKind.PIN_REFUSED_LOCKED, user, where.strip())
            raise PinLocked(until or now + PIN_LOCK_DURATION)
        self._event(
            store,
            now,
            AuthEventKind.PIN_FAILED,
            user,
            f"wrong PIN {failure.failures} of {PIN_MAX_FAILURES}{where}",
        )
        if failure.locked_until is not None:
            self._event(
                store,
                now,
                AuthEventKind.PIN_LOCKED,
                user,
                f"locked until {failure.locked_until.isoformat()}{where}",
            )
            locks = self._locks_since_cleared(store, user.id, now)
            if locks >= PIN_HOLD_AFTER_LOCKS:
                store.set_pin_lock(user.id, PIN_HOLD_KEY, PIN_HELD_UNTIL)
                self._event(
                    store,
                    now,
                    AuthEventKind.PIN_HELD,
                    user,
                    f"held after {locks} lock periods within 24 hours{where}",
                )
                raise PinHeld(user.person_id, production, newly=True)
            raise PinLocked(failure.locked_until)
        raise WrongPin(PIN_MAX_FAILURES - failure.failures)

    @staticmethod
    def _locks_since_cleared(store: AccountStore, user_id: str, now: datetime) -> int:
        """Lock periods of this PIN within ``PIN_HOLD_WINDOW``, after its last clearing."""
        kinds = frozenset(
            {AuthEventKind.PIN_LOCKED, AuthEventKind.PIN_HOLD_CLEARED, AuthEventKind.PIN_CHANGED}
        )
        locks = 0
        for event in store.events_since(user_id, now - PIN_HOLD_WINDOW, kinds):
            locks = locks + 1 if event.kind is AuthEventKind.PIN_LOCKED else 0
        return locks

    def pin_held(self, store: AccountStore, user_id: str) -> bool:
        """True while the PIN is held (locked until the armorer or producer clears it)."""
        return store.pin_lockout(self._user(store, user_id).id, PIN_HOLD_KEY)[1] is not None

    def clear_pin_hold(
        self, store: AccountStore, user_id: str, now: datetime, by: str, production: str = ""
    ) -> bool:
        """End a hold (and the lock on ``production``); False if the PIN was not held.

        ``by`` says who cleared it (e.g. "armorer mara-voss on P-1"), recorded in the
        audit trail; the lock periods before it no longer count towards a new hold.
        """
        now = _utc(now)
        user = self._user(store, user_id)
        if store.pin_lockout(user.id, PIN_HOLD_KEY)[1] is None:
            return False
        store.reset_pin_failures(user.id, PIN_HOLD_KEY)
        store.reset_pin_failures(user.id, production)
        self._event(store, now, AuthEventKind.PIN_HOLD_CLEARED, user, f"cleared by {by}")
        return True

    def record_throttle(
        self,
        store: AccountStore,
        now: datetime,
        kind: str,
        who: str,
        failures: int,
        until: datetime,
    ) -> None:
        """Record that wrong tries began a wait (``kind``: login, client or pin)."""
        now = _utc(now)
        login: str | None = None
        if kind == "login":
            try:
                login = normalise_login(who)
            except InvalidLogin:
                login = None
            what = "wrong passwords for this login"
        elif kind == "client":
            what = f"wrong passwords from {who}"
        else:
            what = f"wrong PINs from {who}"
        user = store.user_by_login(login) if login else None
        self._event(
            store,
            now,
            AuthEventKind.SIGNIN_THROTTLED,
            user,
            f"{failures} {what}; next try at {until.isoformat(timespec='seconds')}",
            login,
        )

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
        self._event(
            store,
            now,
            AuthEventKind.SESSION_OPENED,
            user,
            f"{kind.value} session",
            session=session.token_hash,
        )
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
        if not raw or len(raw) > MAX_TOKEN_LENGTH:
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

    def resumable(
        self, store: AccountStore, raw: str | None, now: datetime
    ) -> tuple[Session, User] | None:
        """An ended (expired, never signed-out) page session of ``raw`` that the same device
        may resume with its person's PIN: for as long again as a session lasts."""
        now = _utc(now)
        if not raw or len(raw) > MAX_TOKEN_LENGTH:
            return None
        session = store.session(hash_token(raw))
        if session is None or session.kind is not SessionKind.WEB or session.expires_at > now:
            return None
        if now - session.expires_at > self._ttl[SessionKind.WEB]:
            return None
        user = store.user_by_id(session.user_id)
        return (session, user) if user is not None else None

    def revoke_session(self, store: AccountStore, raw: str | None, now: datetime) -> bool:
        """Sign out / revoke the token; True if there was such a session."""
        now = _utc(now)
        if not raw or len(raw) > MAX_TOKEN_LENGTH:
            return False
        gone = store.delete_session(hash_token(raw))
        if gone is None:
            return False
        user = store.user_by_id(gone.user_id)
        self._event(
            store,
            now,
            AuthEventKind.SESSION_REVOKED,
            user,
            f"{gone.kind.value} session",
            session=gone.token_hash,
        )
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
        *,
        session: str | None = None,
    ) -> None:
        store.add_event(
            AuthEvent(
                at=now,
                kind=kind,
                user_id=user.id if user is not None else None,
                login=user.login if user is not None else login,
                detail=detail,
                session=session,
            )
        )


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("accounts need a timezone-aware time; pass clock.now()")
    return now.astimezone(UTC)


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
