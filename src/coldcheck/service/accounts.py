"""The account use cases — sign in, sessions, PINs, accounts — each owning its transaction.

Every method opens one transaction through the ``AccountUnitOfWork`` port,
does its steps (:class:`coldcheck.service.account_steps.AccountSteps`) and
commits. The security rule lives here, once: **a refused credential is
committed before it is raised.** A wrong password, a wrong PIN or a locked
PIN counts towards the lockout and leaves an ``auth_events`` row whether or
not the caller goes on; the exception reaches the caller only after the
commit, so nobody can roll a failure back by making the request fail.

With a ``writer`` (the custody service's group commit, ``GroupWriter``), PIN checks do
not open a write transaction of their own: their records (the failure counts, the audit
rows and their security records) are a job of the next group commit, written in its
transaction beside other people's commands and sealed by its head; the rule holds the
same way, a refusal is raised only after that commit.

Verified sessions are kept in a short cache (``SessionCache``), so a page
load costs no write transaction; signing out drops the session from it at
once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import NoReturn, TypeVar

from coldcheck.domain.ids import PersonId
from coldcheck.service.account_model import (
    AccountStore,
    AuthEvent,
    CredentialRefused,
    InvalidCredentials,
    InvalidLogin,
    NoPinSet,
    PinHeld,
    PinRefused,
    SecretHasher,
    Session,
    SessionKind,
    TriesThrottled,
    User,
    normalise_login,
)
from coldcheck.service.account_steps import AccountSteps
from coldcheck.service.ports import AccountUnitOfWork, Clock, GroupTransaction, GroupWriter
from coldcheck.service.session_cache import SessionCache
from coldcheck.service.throttle import (
    LOGIN_THROTTLE,
    PASSWORD_CLIENT_THROTTLE,
    PIN_CLIENT_THROTTLE,
    Throttle,
    Waiting,
)

__all__ = ["AccountService", "SignedIn", "Throttled"]

T = TypeVar("T")
R = TypeVar("R")


class SignedIn:
    """A new session: the raw token (shown once), the session and its user."""

    __slots__ = ("session", "token", "user")

    def __init__(self, token: str, session: Session, user: User) -> None:
        self.token = token
        self.session = session
        self.user = user

    def __repr__(self) -> str:  # never the token
        return f"SignedIn(user={self.user.login!r}, kind={self.session.kind.value!r})"


class Throttled:
    """A sign-in or PIN wait that just began: what for (``login``, ``client`` or ``pin``),
    whose (the login, or the client address), how many failures, and the account if known."""

    __slots__ = ("failures", "kind", "person", "until", "who")

    def __init__(
        self, kind: str, who: str, failures: int, until: datetime, person: str | None
    ) -> None:
        self.kind = kind
        self.who = who
        self.failures = failures
        self.until = until
        self.person = person


class AccountService:
    """Accounts, sign-in, sessions and PIN checks; each call is one transaction."""

    def __init__(
        self,
        transactions: AccountUnitOfWork,
        clock: Clock,
        hasher: SecretHasher,
        *,
        pin_hasher: SecretHasher | None = None,
        sessions: SessionCache | None = None,
        web_session_ttl: timedelta | None = None,
        on_pin_held: Callable[[PinHeld], None] | None = None,
        on_throttled: Callable[[Throttled], None] | None = None,
        writer: GroupWriter | None = None,
    ) -> None:
        self._tx = transactions
        self._writer = writer
        self._on_pin_held = on_pin_held
        self._on_throttled = on_throttled
        self.logins = Throttle(LOGIN_THROTTLE)
        self.password_clients = Throttle(PASSWORD_CLIENT_THROTTLE)
        self.pin_clients = Throttle(PIN_CLIENT_THROTTLE)
        self._clock = clock
        extra = {} if web_session_ttl is None else {"web_session_ttl": web_session_ttl}
        self.steps = AccountSteps(hasher, pin_hasher=pin_hasher, **extra)
        self.sessions = sessions if sessions is not None else SessionCache()

    @property
    def writer(self) -> GroupWriter | None:
        """The group commit this service's PIN checks write through (None: its own
        transactions); the confirmations use the same one."""
        return self._writer

    def _recorded(self, work: Callable[[AccountStore], T]) -> T:
        """Run ``work`` in a write transaction; a refused credential is committed, then raised."""
        refused: CredentialRefused | None = None
        with self._tx() as store:
            try:
                return work(store)
            except CredentialRefused as exc:
                refused = exc  # leave the block normally: the failure is committed
        self._raise_committed(refused)

    def _recorded_by_writer(self, writer: GroupWriter, work: Callable[[GroupTransaction], T]) -> T:
        """:meth:`_recorded` as a job of the group commit: the same rule, in the group's
        transaction (``work`` reaches the accounts through ``tx.accounts()``)."""

        def job(tx: GroupTransaction, _now: datetime) -> tuple[T | None, CredentialRefused | None]:
            try:
                return work(tx), None
            except CredentialRefused as exc:
                return None, exc  # the job ends normally: the failure is committed

        result, refused = writer(job)
        if refused is not None:
            self._raise_committed(refused)
        return result  # type: ignore[return-value]  # None only beside a refusal

    def _raise_committed(self, refused: CredentialRefused) -> NoReturn:
        """Raise a refusal whose record is committed; tell about a PIN just held first."""
        held = refused.cause if isinstance(refused, PinRefused) else refused
        if isinstance(held, PinHeld) and held.newly and self._on_pin_held is not None:
            self._on_pin_held(held)  # after the commit: the alert never outruns the record
        raise refused

    # -- accounts ------------------------------------------------------------------

    def create_user(
        self, *, login: str, display_name: str, person_id: str, password: str, pin: str | None
    ) -> User:
        """Create an account; every value is checked before anything is stored."""
        now = self._clock.now()
        with self._tx() as store:
            return self.steps.create_user(
                store,
                login=login,
                display_name=display_name,
                person_id=person_id,
                password=password,
                pin=pin,
                now=now,
            )

    def set_password(self, user_id: str, new_password: str) -> None:
        """Replace the password and sign the user out everywhere."""
        with self._tx() as store:
            self.steps.set_password(store, user_id, new_password, self._clock.now())
        self.sessions.clear()

    def set_pin(self, user_id: str, new_pin: str) -> None:
        """Replace the PIN (clears its failure count and any lock)."""
        with self._tx() as store:
            self.steps.set_pin(store, user_id, new_pin, self._clock.now())

    def user_by_login(self, login: str) -> User | None:
        """The account with this login (any case), or None."""
        try:
            wanted = normalise_login(login)
        except InvalidLogin:
            return None
        with self._tx(write=False) as store:
            return store.user_by_login(wanted)

    def users(self) -> list[User]:
        """Every account, by login (never a secret)."""
        with self._tx(write=False) as store:
            return store.users()

    def events(self, user_id: str | None = None, limit: int | None = None) -> Sequence[AuthEvent]:
        """The accounts audit trail, oldest first."""
        with self._tx(write=False) as store:
            return self.steps.events(store, user_id=user_id, limit=limit)

    # -- signing in and out --------------------------------------------------------

    def sign_in(self, login: str, password: str, kind: SessionKind, client: str = "") -> SignedIn:
        """Check login and password and open a session; ``InvalidCredentials`` (committed).

        Wrong passwords are throttled per login (known or not) and per ``client`` (the
        caller's address): past the free tries, ``TriesThrottled`` says how long to wait,
        and nothing is checked until then.
        """
        now = self._clock.now()
        login_key = "login:" + login.strip().lower()[:80]
        client_key = "client:" + client[:64]
        waits = [self.logins.waiting(login_key, now)]
        if client:
            waits.append(self.password_clients.waiting(client_key, now))
        self._refuse_while_waiting(waits, now, "sign-ins for this login or from this device")

        def work(store: AccountStore) -> SignedIn:
            user = self.steps.authenticate(store, login, password, now)
            raw, session = self.steps.open_session(store, user, kind, now)
            return SignedIn(raw, session, user)

        try:
            signed = self._recorded(work)
        except InvalidCredentials:
            self._count(self.logins, login_key, now, "login", login.strip().lower()[:80])
            if client:
                self._count(self.password_clients, client_key, now, "client", client[:64])
            raise
        self.logins.succeeded(login_key)
        return signed

    @staticmethod
    def _refuse_while_waiting(waits: Sequence[Waiting | None], now: datetime, what: str) -> None:
        longest = max((w for w in waits if w is not None), key=lambda w: w.until, default=None)
        if longest is not None:
            raise TriesThrottled(what, longest.until, longest.seconds(now))

    def _count(self, throttle: Throttle, key: str, now: datetime, kind: str, who: str) -> None:
        """Count a failure; when it starts a wait, record it and tell the callback."""
        began = throttle.failed(key, now)
        if began is None:
            return
        person = None
        if kind == "login":
            user = self.user_by_login(who)
            person = user.person_id if user is not None else None
        with self._tx() as store:
            self.steps.record_throttle(store, now, kind, who, began.failures, began.until)
        if self._on_throttled is not None:
            self._on_throttled(Throttled(kind, who, began.failures, began.until, person))

    def session_for_token(self, raw: str | None, kind: SessionKind) -> tuple[Session, User] | None:
        """The live session of a raw token of this kind, or None; cached for a few seconds."""
        if not raw:
            return None
        now = self._clock.now()
        found = self.sessions.get(raw, now)
        if found is not None and found[0].kind == kind:
            return found
        with self._tx() as store:
            found = self.steps.session_for_token(store, raw, now, kind)
        if found is not None:
            self.sessions.put(raw, found[0], found[1], now)
        return found

    def resumable(self, raw: str | None) -> User | None:
        """Whose ended page session this device's token holds, if it may be resumed by PIN."""
        with self._tx(write=False) as store:
            found = self.steps.resumable(store, raw, self._clock.now())
        return found[1] if found else None

    def resume_session(self, raw: str | None, pin: str, client: str = "") -> SignedIn:
        """Open a new page session for the ended one of ``raw`` with its person's PIN.

        The PIN is checked like any confirmation (a wrong one counts towards the lock and
        is committed before ``PinRefused``/``InvalidCredentials`` is raised); the ended
        session is deleted so its token cannot resume twice.
        """
        now = self._clock.now()

        def work(store: AccountStore) -> SignedIn:
            found = self.steps.resumable(store, raw, now)
            if found is None:
                raise InvalidCredentials()
            session, user = found
            try:
                self.steps.verify_pin(store, user.person_id, pin, now)
            except NoPinSet as exc:
                raise PinRefused(user.person_id, exc) from None
            store.delete_session(session.token_hash)
            token, new = self.steps.open_session(store, user, SessionKind.WEB, now)
            return SignedIn(token, new, user)

        return self._pin_throttled(client, now, lambda: self._recorded(work))

    def revoke_session(self, raw: str | None) -> bool:
        """Sign out: end the session of this raw token at once; True if there was one."""
        self.sessions.drop(raw)
        with self._tx() as store:
            return self.steps.revoke_session(store, raw, self._clock.now())

    # -- PINs ------------------------------------------------------------------------

    def pin_held(self, user_id: str) -> bool:
        """True while this account's PIN is held until the armorer or producer clears it."""
        with self._tx(write=False) as store:
            return self.steps.pin_held(store, user_id)

    def clear_pin_hold(self, user_id: str, by: str, production: str = "") -> bool:
        """Clear a held PIN (recorded with ``by``); False when it was not held.

        Who may clear it (the armorer or the producer of a production the person is on)
        is checked by the caller, which knows the production's roles.
        """
        with self._tx() as store:
            return self.steps.clear_pin_hold(store, user_id, self._clock.now(), by, production)

    def _pin_throttled(self, client: str, now: datetime, check: Callable[[], T]) -> T:
        """Run a PIN check unless ``client`` must wait; count its refusal against the client."""
        key = "pin:" + client[:64]
        if client:
            self._refuse_while_waiting(
                [self.pin_clients.waiting(key, now)], now, "PINs from this device"
            )
        try:
            return check()
        except CredentialRefused:
            if client:
                self._count(self.pin_clients, key, now, "pin", client[:64])
            raise

    def verify_pins(
        self, pins: Sequence[tuple[str, str]], production: str = "", client: str = ""
    ) -> frozenset[PersonId]:
        """Check ``(person, pin)`` pairs in one transaction; the people whose PIN was right.

        Wrong PINs count towards the lock-out on ``production`` only. The first
        refusal stops the check and is raised as ``PinRefused`` (whose PIN, and
        the ``WrongPin``, ``PinLocked`` or ``NoPinSet`` behind it) after the
        commit, so wrong and locked PINs count; PINs after it are not tried.
        Refused PINs also count against ``client`` (the caller's address): past
        the free tries it waits (``TriesThrottled``), whoever's PIN it types.
        """
        return self.verify_pins_then(pins, None, production, client)[0]

    def verify_pins_then(
        self,
        pins: Sequence[tuple[str, str]],
        then: Callable[[GroupTransaction], R] | None,
        production: str = "",
        client: str = "",
    ) -> tuple[frozenset[PersonId], R | None]:
        """:meth:`verify_pins`, and when every PIN was right, ``then`` in the same transaction.

        ``then`` (a confirmation stored, say) needs the service's ``writer``: it runs in
        the group commit's transaction right after the PIN records, so both commit at
        once or neither does. Its result is the second item (None without ``then``).
        """
        if then is not None and self._writer is None:
            raise RuntimeError("verify_pins_then with a follow-up needs the group writer")
        if not pins:
            return frozenset(), None
        now = self._clock.now()

        def checked_then_recorded() -> tuple[frozenset[PersonId], R | None]:
            checked = self._checked_first(pins, now, production)
            writer = self._writer
            if writer is None:
                return self._recorded(
                    lambda store: self._verified(store, pins, checked, now, production)
                ), None

            def verified_then(tx: GroupTransaction) -> tuple[frozenset[PersonId], R | None]:
                confirmed = self._verified(tx.accounts(), pins, checked, now, production)
                return confirmed, then(tx) if then is not None else None

            return self._recorded_by_writer(writer, verified_then)

        return self._pin_throttled(client, now, checked_then_recorded)

    def _checked_first(
        self, pins: Sequence[tuple[str, str]], now: datetime, production: str
    ) -> list[tuple[str, bool] | None]:
        """argon2 before the write transaction (which every other writer waits for): each
        PIN's stored hash and verdict, counted only if the hash is unchanged when the write
        reads it again. The first PIN refused (or not checkable) ends it, as in the write."""
        checked: list[tuple[str, bool] | None] = []
        with self._tx(write=False) as store:
            for person, pin in pins:
                first = self.steps.check_pin_first(store, person, pin, now, production)
                checked.append(first)
                if first is None or not first[1]:
                    break
        checked.extend([None] * (len(pins) - len(checked)))
        return checked

    def _verified(
        self,
        store: AccountStore,
        pins: Sequence[tuple[str, str]],
        checked: Sequence[tuple[str, bool] | None],
        now: datetime,
        production: str,
    ) -> frozenset[PersonId]:
        """The PINs checked and recorded in ``store``; ``PinRefused`` at the first refused."""
        confirmed: set[PersonId] = set()
        for (person, pin), first in zip(pins, checked, strict=True):
            try:
                self.steps.verify_pin(store, person, pin, now, production, first)
            except (CredentialRefused, NoPinSet) as exc:
                raise PinRefused(person, exc) from None
            confirmed.add(PersonId(person))
        return frozenset(confirmed)
