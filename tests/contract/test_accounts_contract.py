"""The accounts contract: the same specification run on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory_accounts import MemoryAccountStore
from coldcheck.adapters.sql.account_store import ACCOUNT_TABLES, SqlAccountStore, sessions
from coldcheck.adapters.sql.engine import WRITE, make_engine
from coldcheck.adapters.sql.tables import metadata
from coldcheck.service.account_model import (
    PIN_HOLD_KEY,
    PIN_LOCK_DURATION,
    PIN_MAX_FAILURES,
    AccountStore,
    AuthEventKind,
    CredentialRefused,
    Credentials,
    InvalidAccountInput,
    InvalidCredentials,
    LoginTaken,
    NoPinSet,
    PersonAlreadyHasAccount,
    PinLocked,
    SessionKind,
    User,
    WrongPin,
    hash_token,
)
from coldcheck.service.account_steps import AccountSteps
from tests.pg import fresh_pg_schema, pg_url_or_skip

T0 = datetime(2025, 3, 14, 7, 30, tzinfo=UTC)
PASSWORD = "tumbleweed saloon 1881"
PIN = "4821"


@dataclass
class Backend:
    """One storage backend: ``transaction()`` opens a store whose work commits at exit."""

    name: str
    transaction: Callable[[], AbstractContextManager[AccountStore]]
    engine: Engine | None = None


def _sql_backend(name: str, engine: Engine) -> Backend:
    @contextmanager
    def transaction() -> Iterator[AccountStore]:
        # BEGIN IMMEDIATE on SQLite, as the service's write transactions do
        with engine.execution_options(**WRITE).begin() as conn:
            yield SqlAccountStore(conn)

    return Backend(name, transaction, engine)


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    url = pg_url_or_skip()
    with fresh_pg_schema(url, prefix="accounts") as engine:
        metadata.create_all(engine, tables=list(ACCOUNT_TABLES))
        yield engine


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        store = MemoryAccountStore()

        @contextmanager
        def transaction() -> Iterator[AccountStore]:
            yield store

        yield Backend("memory", transaction)
    elif request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
        metadata.create_all(engine, tables=list(ACCOUNT_TABLES))
        yield _sql_backend("sqlite", engine)
        engine.dispose()
    else:
        engine = request.getfixturevalue("pg_engine")
        with engine.begin() as conn:
            for table in reversed(ACCOUNT_TABLES):
                conn.execute(table.delete())
        yield _sql_backend("postgresql", engine)


@pytest.fixture
def store(backend: Backend) -> Iterator[AccountStore]:
    with backend.transaction() as store:
        yield store


@pytest.fixture
def accounts() -> AccountSteps:
    return AccountSteps(Argon2Hasher.cheap())


def make_user(
    accounts: AccountSteps,
    store: AccountStore,
    login: str = "jo.smith",
    person_id: str = "P-0001",
    pin: str | None = PIN,
) -> User:
    return accounts.create_user(
        store,
        login=login,
        display_name="Jo Smith",
        person_id=person_id,
        password=PASSWORD,
        pin=pin,
        now=T0,
    )


def kinds(store: AccountStore, user: User | None = None) -> list[AuthEventKind]:
    return [e.kind for e in store.events(user_id=user.id if user else None)]


# -- accounts ---------------------------------------------------------------


def test_created_user_is_found_by_id_login_and_person(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)

    assert store.user_by_id(user.id) == user
    assert store.user_by_login("jo.smith") == user
    assert store.user_by_person("P-0001") == user
    assert store.users() == [user]


def test_login_is_stored_lower_cased_and_matched_whatever_the_case(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store, login="  Jo.Smith ")

    assert user.login == "jo.smith"
    assert accounts.authenticate(store, "JO.SMITH", PASSWORD, T0) == user


def test_a_taken_login_is_refused_and_nothing_is_stored(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)

    with pytest.raises(LoginTaken, match="taken"):
        make_user(accounts, store, login="JO.smith", person_id="P-0002")
    assert store.user_by_person("P-0002") is None


def test_one_person_gets_one_account(accounts: AccountSteps, store: AccountStore) -> None:
    make_user(accounts, store)

    with pytest.raises(PersonAlreadyHasAccount):
        make_user(accounts, store, login="someone.else")
    assert store.user_by_login("someone.else") is None


def test_the_store_itself_refuses_a_clash_and_stays_usable(
    accounts: AccountSteps, store: AccountStore
) -> None:
    """Two requests that both passed the service's check: the store catches the second."""
    first = make_user(accounts, store)
    twin = User("b3c1a6a0-0000-4000-8000-000000000000", "jo.smith", "Twin", "P-0009", T0)

    with pytest.raises(LoginTaken):
        store.add_user(twin, Credentials(twin.id, "x", None))
    with pytest.raises(PersonAlreadyHasAccount):
        store.add_user(
            User(twin.id, "other", "Twin", "P-0001", T0), Credentials(twin.id, "x", None)
        )
    assert store.users() == [first]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("login", "j"),
        ("login", "jo smith"),
        ("login", "jö"),
        ("password", "short"),
        ("pin", "12"),
        ("pin", "12a4"),
        ("display_name", "  "),
        ("person_id", ""),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_stored(
    accounts: AccountSteps, store: AccountStore, field: str, value: str
) -> None:
    args = {
        "login": "jo.smith",
        "display_name": "Jo Smith",
        "person_id": "P-0001",
        "password": PASSWORD,
        "pin": PIN,
    }
    args[field] = value

    with pytest.raises(InvalidAccountInput):
        accounts.create_user(store, now=T0, **args)
    assert store.users() == []
    assert store.events() == []


# -- passwords --------------------------------------------------------------


def test_the_right_password_signs_in_and_is_recorded(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)

    assert accounts.authenticate(store, "jo.smith", PASSWORD, T0) == user
    assert kinds(store, user)[-1] is AuthEventKind.LOGIN_OK


def test_unknown_login_and_wrong_password_get_the_same_error(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)

    with pytest.raises(InvalidCredentials) as unknown:
        accounts.authenticate(store, "nobody", PASSWORD, T0)
    with pytest.raises(InvalidCredentials) as wrong:
        accounts.authenticate(store, "jo.smith", "not the password", T0)

    assert str(unknown.value) == str(wrong.value)
    assert type(unknown.value) is type(wrong.value)


def test_failed_logins_are_recorded_without_the_password(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)

    for login in ("nobody", "jo.smith"):
        with pytest.raises(InvalidCredentials):
            accounts.authenticate(store, login, "guessed-secret-42", T0)

    failed = [e for e in store.events() if e.kind is AuthEventKind.LOGIN_FAILED]
    assert [(e.login, e.user_id) for e in failed] == [("nobody", None), ("jo.smith", user.id)]
    assert all("guessed-secret-42" not in repr(e) for e in store.events())


def test_a_new_password_replaces_the_old_and_ends_other_sessions(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    _, current = accounts.open_session(store, user, SessionKind.WEB, T0)
    other_raw, _ = accounts.open_session(store, user, SessionKind.API, T0)

    accounts.set_password(store, user.id, "a much better passphrase", T0, keep_session=current)

    with pytest.raises(InvalidCredentials):
        accounts.authenticate(store, "jo.smith", PASSWORD, T0)
    assert accounts.authenticate(store, "jo.smith", "a much better passphrase", T0) == user
    assert store.session(current.token_hash) is not None
    assert accounts.session_for_token(store, other_raw, T0) is None
    assert AuthEventKind.PASSWORD_CHANGED in kinds(store, user)


def test_a_hash_with_old_parameters_is_replaced_at_login(store: AccountStore) -> None:
    old = AccountSteps(Argon2Hasher(time_cost=1, memory_cost=8))
    new_hasher = Argon2Hasher(time_cost=2, memory_cost=16)
    user = make_user(old, store)
    stale = store.credentials(user.id)
    assert stale is not None and new_hasher.needs_rehash(stale.password_hash)

    AccountSteps(new_hasher).authenticate(store, "jo.smith", PASSWORD, T0)

    fresh = store.credentials(user.id)
    assert fresh is not None and not new_hasher.needs_rehash(fresh.password_hash)
    assert new_hasher.verify(fresh.password_hash, PASSWORD)


def test_an_account_and_its_credentials_are_read_together_by_person_and_by_id(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    other = make_user(accounts, store, login="al.ray", person_id="P-0002", pin=None)

    for found in (store.account_of_person("P-0001"), store.account_of_user(user.id)):
        assert found == (user, store.credentials(user.id))
    assert store.account_of_person("P-0002") == (other, store.credentials(other.id))
    assert store.account_of_person("P-0404") is None
    assert store.account_of_user("no-such-id") is None


def test_the_pin_locks_read_together_say_what_each_lockout_says(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    until = T0 + PIN_LOCK_DURATION
    assert store.pin_locks(user.id, "dry-gulch") == (False, 0, None)
    store.record_pin_failure(user.id, T0, PIN_MAX_FAILURES, until, "dry-gulch")
    store.record_pin_failure(user.id, T0, PIN_MAX_FAILURES, until, "red-mesa")
    store.record_pin_failure(user.id, T0, PIN_MAX_FAILURES, until, "red-mesa")
    store.record_pin_failure(user.id, T0, PIN_MAX_FAILURES, until, "")
    assert store.pin_locks(user.id, "dry-gulch") == (False, 1, None)
    assert store.pin_locks(user.id, "red-mesa") == (False, 2, None)
    assert store.pin_locks(user.id, "") == (False, *store.pin_lockout(user.id, ""))
    store.set_pin_lock(user.id, PIN_HOLD_KEY, until)  # held (item 11): on every production
    for production in ("dry-gulch", "red-mesa", ""):
        held, failures, locked = store.pin_locks(user.id, production)
        assert held and (failures, locked) == store.pin_lockout(user.id, production)
    store.reset_pin_failures(user.id, PIN_HOLD_KEY)
    assert store.pin_locks(user.id, "dry-gulch") == (False, 1, None)


# -- PINs -------------------------------------------------------------------


def test_the_right_pin_is_accepted_and_recorded(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)

    assert accounts.verify_pin(store, "P-0001", PIN, T0) is True
    assert kinds(store, user)[-1] is AuthEventKind.PIN_OK


def test_a_wrong_pin_says_how_many_tries_are_left(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)

    with pytest.raises(WrongPin) as first:
        accounts.verify_pin(store, "P-0001", "0000", T0)
    with pytest.raises(WrongPin) as second:
        accounts.verify_pin(store, "P-0001", "not-a-pin", T0)

    assert first.value.remaining_attempts == PIN_MAX_FAILURES - 1
    assert second.value.remaining_attempts == PIN_MAX_FAILURES - 2
    assert "3 more wrong tries" in str(second.value)


def fail_pin(accounts: AccountSteps, store: AccountStore, times: int, at: datetime) -> None:
    for _ in range(times):
        with pytest.raises((WrongPin, PinLocked)):
            accounts.verify_pin(store, "P-0001", "9999", at)


def test_five_wrong_pins_lock_the_pin_for_fifteen_minutes(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)
    fail_pin(accounts, store, 4, T0)

    with pytest.raises(PinLocked) as locked:
        accounts.verify_pin(store, "P-0001", "9999", T0 + timedelta(seconds=30))

    assert locked.value.until == T0 + timedelta(seconds=30) + timedelta(minutes=15)


def test_correct_pin_is_refused_while_locked(accounts: AccountSteps, store: AccountStore) -> None:
    make_user(accounts, store)
    fail_pin(accounts, store, 5, T0)

    with pytest.raises(PinLocked) as locked:
        accounts.verify_pin(store, "P-0001", PIN, T0 + timedelta(minutes=14, seconds=59))
    assert locked.value.until == T0 + PIN_LOCK_DURATION


def test_the_pin_works_again_when_the_lock_runs_out(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)
    fail_pin(accounts, store, 5, T0)

    assert accounts.verify_pin(store, "P-0001", PIN, T0 + PIN_LOCK_DURATION) is True


def test_after_a_lock_runs_out_there_are_five_fresh_tries(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)
    fail_pin(accounts, store, 5, T0)

    with pytest.raises(WrongPin) as wrong:
        accounts.verify_pin(store, "P-0001", "9999", T0 + PIN_LOCK_DURATION)
    assert wrong.value.remaining_attempts == PIN_MAX_FAILURES - 1


def test_a_correct_pin_resets_the_count_of_wrong_ones(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)
    fail_pin(accounts, store, 4, T0)

    accounts.verify_pin(store, "P-0001", PIN, T0)

    with pytest.raises(WrongPin) as wrong:
        accounts.verify_pin(store, "P-0001", "9999", T0)
    assert wrong.value.remaining_attempts == PIN_MAX_FAILURES - 1


def test_every_wrong_pin_is_recorded_and_the_lock_once(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)

    fail_pin(accounts, store, 7, T0)

    recorded = kinds(store, user)
    assert recorded.count(AuthEventKind.PIN_FAILED) == 5
    assert recorded.count(AuthEventKind.PIN_LOCKED) == 1
    assert recorded.count(AuthEventKind.PIN_REFUSED_LOCKED) == 2
    assert all("9999" not in e.detail and PIN not in e.detail for e in store.events())


def test_a_new_pin_unlocks_and_the_old_one_stops_working(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    fail_pin(accounts, store, 5, T0)

    accounts.set_pin(store, user.id, "77001234", T0)

    assert accounts.verify_pin(store, "P-0001", "77001234", T0) is True
    with pytest.raises(WrongPin):
        accounts.verify_pin(store, "P-0001", PIN, T0)
    assert AuthEventKind.PIN_CHANGED in kinds(store, user)


def test_a_person_without_a_pin_cannot_confirm(accounts: AccountSteps, store: AccountStore) -> None:
    make_user(accounts, store, pin=None)

    with pytest.raises(NoPinSet, match="no PIN"):
        accounts.verify_pin(store, "P-0001", PIN, T0)
    with pytest.raises(NoPinSet):
        accounts.verify_pin(store, "P-4040", PIN, T0)


def test_wrong_pins_count_across_transactions_when_the_caller_commits(
    accounts: AccountSteps, backend: Backend
) -> None:
    with backend.transaction() as store:
        make_user(accounts, store)
    refusals: list[CredentialRefused] = []
    for _ in range(PIN_MAX_FAILURES):
        with backend.transaction() as store:
            try:
                accounts.verify_pin(store, "P-0001", "9999", T0)
            except CredentialRefused as refused:
                refusals.append(refused)  # the documented pattern: commit, answer afterwards
    assert isinstance(refusals[-1], PinLocked)

    with backend.transaction() as store, pytest.raises(PinLocked):
        accounts.verify_pin(store, "P-0001", PIN, T0)


def test_racing_wrong_pins_lock_exactly_once(accounts: AccountSteps, backend: Backend) -> None:
    with backend.transaction() as store:
        make_user(accounts, store)
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def attempt() -> None:
        start.wait()
        with backend.transaction() as store:
            try:
                accounts.verify_pin(store, "P-0001", "9999", T0)
            except (WrongPin, PinLocked) as refused:
                outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    with backend.transaction() as store:
        recorded = kinds(store)
    assert sorted(outcomes) == ["PinLocked"] * 4 + ["WrongPin"] * 4
    assert recorded.count(AuthEventKind.PIN_FAILED) == PIN_MAX_FAILURES
    assert recorded.count(AuthEventKind.PIN_LOCKED) == 1


# -- sessions ---------------------------------------------------------------


def test_an_open_session_is_found_by_its_token(accounts: AccountSteps, store: AccountStore) -> None:
    user = make_user(accounts, store)
    raw, session = accounts.open_session(store, user, SessionKind.WEB, T0)

    found = accounts.session_for_token(store, raw, T0 + timedelta(seconds=5))

    assert found == (session, user)
    assert len(raw) >= 43 and session.csrf_token != raw


def test_only_the_hash_of_a_token_is_stored(
    accounts: AccountSteps, store: AccountStore, backend: Backend
) -> None:
    user = make_user(accounts, store)
    raw, session = accounts.open_session(store, user, SessionKind.API, T0)

    assert session.token_hash == hash_token(raw) != raw
    assert store.session(raw) is None
    assert raw not in repr(session) and session.csrf_token not in repr(session)
    if isinstance(store, SqlAccountStore):
        rows = store._conn.execute(select(sessions)).all()
        assert all(raw not in str(value) for row in rows for value in row)


def test_expired_session_is_not_found(accounts: AccountSteps, store: AccountStore) -> None:
    user = make_user(accounts, store)
    raw, session = accounts.open_session(store, user, SessionKind.WEB, T0)

    assert accounts.session_for_token(store, raw, session.expires_at - timedelta(seconds=1))
    assert accounts.session_for_token(store, raw, session.expires_at) is None


def test_web_sessions_last_a_shoot_day_of_sixteen_hours_and_api_tokens_thirty_days(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)

    _, web = accounts.open_session(store, user, SessionKind.WEB, T0)
    _, api = accounts.open_session(store, user, SessionKind.API, T0)
    _, short = accounts.open_session(store, user, SessionKind.API, T0, ttl=timedelta(hours=1))

    assert web.expires_at == T0 + timedelta(hours=16)
    assert api.expires_at == T0 + timedelta(days=30)
    assert short.expires_at == T0 + timedelta(hours=1)


def test_last_seen_is_written_at_most_once_a_minute(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    raw, _ = accounts.open_session(store, user, SessionKind.WEB, T0)

    accounts.session_for_token(store, raw, T0 + timedelta(seconds=59))
    assert store.session(hash_token(raw)).last_seen_at == T0  # type: ignore[union-attr]

    found = accounts.session_for_token(store, raw, T0 + timedelta(seconds=61))
    assert found is not None and found[0].last_seen_at == T0 + timedelta(seconds=61)
    assert store.session(hash_token(raw)).last_seen_at == found[0].last_seen_at  # type: ignore[union-attr]


def test_a_revoked_session_is_not_found(accounts: AccountSteps, store: AccountStore) -> None:
    user = make_user(accounts, store)
    raw, _ = accounts.open_session(store, user, SessionKind.API, T0)

    assert accounts.revoke_session(store, raw, T0) is True
    assert accounts.session_for_token(store, raw, T0) is None
    assert accounts.revoke_session(store, raw, T0) is False
    assert kinds(store, user)[-1] is AuthEventKind.SESSION_REVOKED


def test_a_token_of_the_other_kind_is_not_accepted(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    raw, _ = accounts.open_session(store, user, SessionKind.WEB, T0)

    assert accounts.session_for_token(store, raw, T0, kind=SessionKind.API) is None
    assert accounts.session_for_token(store, raw, T0, kind=SessionKind.WEB) is not None


@pytest.mark.parametrize("raw", [None, "", "nonsense", "x" * 10_000])
def test_a_made_up_token_finds_nothing(
    accounts: AccountSteps, store: AccountStore, raw: str | None
) -> None:
    assert accounts.session_for_token(store, raw, T0) is None
    assert accounts.revoke_session(store, raw, T0) is False


def test_signing_out_everywhere_keeps_only_the_chosen_session(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    raws = [accounts.open_session(store, user, SessionKind.WEB, T0)[0] for _ in range(3)]
    keep = accounts.session_for_token(store, raws[0], T0)
    assert keep is not None

    assert accounts.revoke_user_sessions(store, user.id, T0, keep=keep[0]) == 2
    assert [accounts.session_for_token(store, r, T0) is not None for r in raws] == [
        True,
        False,
        False,
    ]


def test_expired_sessions_are_purged(accounts: AccountSteps, store: AccountStore) -> None:
    user = make_user(accounts, store)
    old, _ = accounts.open_session(store, user, SessionKind.WEB, T0, ttl=timedelta(minutes=5))
    new, _ = accounts.open_session(store, user, SessionKind.WEB, T0)

    assert store.delete_expired_sessions(T0 + timedelta(minutes=5)) == 1
    assert store.session(hash_token(old)) is None
    assert store.session(hash_token(new)) is not None


# -- storage details --------------------------------------------------------


def test_times_come_back_timezone_aware_utc(accounts: AccountSteps, store: AccountStore) -> None:
    elsewhere = T0.astimezone(timezone(timedelta(hours=2)))
    user = accounts.create_user(
        store,
        login="jo.smith",
        display_name="Jo",
        person_id="P-0001",
        password=PASSWORD,
        pin=PIN,
        now=elsewhere,
    )
    raw, _ = accounts.open_session(store, user, SessionKind.WEB, elsewhere)

    stored = store.user_by_id(user.id)
    found = accounts.session_for_token(store, raw, T0)
    times = [
        *(e.at for e in store.events()),
        *(
            [stored.created_at, found[0].created_at, found[0].expires_at]
            if stored and found
            else []
        ),
    ]
    assert len(times) == 5
    assert all(t.tzinfo is UTC for t in times)
    assert times[2] == T0 and times[4] == T0 + timedelta(hours=16)


def test_events_come_oldest_first_and_limit_keeps_the_latest(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    accounts.authenticate(store, "jo.smith", PASSWORD, T0)
    accounts.verify_pin(store, "P-0001", PIN, T0)

    everything = store.events()
    assert [e.kind for e in everything] == [
        AuthEventKind.USER_CREATED,
        AuthEventKind.LOGIN_OK,
        AuthEventKind.PIN_OK,
    ]
    assert store.events(limit=2) == everything[1:]
    assert store.events(user_id=user.id, limit=0) == []
    ids = [e.id or 0 for e in everything]
    assert ids == sorted(set(ids)) and 0 not in ids


# -- lock-outs per production (issue 19, item 11) -------------------------------------


def test_wrong_pins_on_one_production_lock_it_there_only(
    accounts: AccountSteps, store: AccountStore
) -> None:
    make_user(accounts, store)
    for _ in range(PIN_MAX_FAILURES):
        with pytest.raises((WrongPin, PinLocked)):
            accounts.verify_pin(store, "P-0001", "9999", T0, "red-mesa")
    with pytest.raises(PinLocked):
        accounts.verify_pin(store, "P-0001", PIN, T0, "red-mesa")
    assert accounts.verify_pin(store, "P-0001", PIN, T0, "dry-gulch") is True
    assert accounts.verify_pin(store, "P-0001", PIN, T0) is True
    user = store.user_by_person("P-0001")
    assert user is not None and store.pin_lockout(user.id, "dry-gulch") == (0, None)


def test_a_new_pin_clears_the_lock_on_every_production(
    accounts: AccountSteps, store: AccountStore
) -> None:
    user = make_user(accounts, store)
    for production in ("red-mesa", "dry-gulch"):
        for _ in range(PIN_MAX_FAILURES):
            with pytest.raises((WrongPin, PinLocked)):
                accounts.verify_pin(store, "P-0001", "9999", T0, production)
    accounts.set_pin(store, user.id, "24681357", T0)
    for production in ("red-mesa", "dry-gulch"):
        assert store.pin_lockout(user.id, production) == (0, None)
        assert accounts.verify_pin(store, "P-0001", "24681357", T0, production) is True


def test_a_person_without_an_account_costs_a_pin_hash_too(store: AccountStore) -> None:
    counted: list[str] = []

    class Counting(Argon2Hasher):
        def verify(self, hashed: str, secret: str) -> bool:
            counted.append(secret)
            return super().verify(hashed, secret)

    steps = AccountSteps(Argon2Hasher.cheap(), pin_hasher=Counting.cheap())
    counted.clear()
    with pytest.raises(NoPinSet):
        steps.verify_pin(store, "P-4040", PIN, T0, "dry-gulch")
    assert counted == [PIN]


def test_three_lock_periods_in_a_day_hold_the_pin_on_every_production_until_cleared(
    accounts: AccountSteps, store: AccountStore
) -> None:
    from coldcheck.service.account_model import PIN_HELD_UNTIL, PinHeld

    user = make_user(accounts, store)
    at = T0
    for n in range(3):
        for _ in range(4):
            with pytest.raises(WrongPin):
                accounts.verify_pin(store, "P-0001", "9999", at, "P-1")
        with pytest.raises(PinLocked) as locked:
            accounts.verify_pin(store, "P-0001", "9999", at, "P-1")
        assert isinstance(locked.value, PinHeld) == (n == 2)
        at += PIN_LOCK_DURATION + timedelta(minutes=1)
    assert store.pin_lockout(user.id, "*") == (0, PIN_HELD_UNTIL)
    with pytest.raises(PinHeld):
        accounts.verify_pin(store, "P-0001", PIN, at + timedelta(days=2), "P-2")
    assert accounts.clear_pin_hold(store, user.id, at, "producer P-9 on P-1", "P-1")
    assert accounts.verify_pin(store, "P-0001", PIN, at, "P-2") is True
    assert AuthEventKind.PIN_HOLD_CLEARED in kinds(store, user)
