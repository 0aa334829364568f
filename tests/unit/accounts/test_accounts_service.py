"""Accounts use cases on the in-memory store: validation, secrecy, timing, messages."""

from __future__ import annotations

import ast
import logging
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import coldcheck.service.account_model as accounts_module
from coldcheck.adapters.argon2 import (
    ARGON2_MEMORY_COST_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    Argon2Hasher,
)
from coldcheck.adapters.memory_accounts import MemoryAccountStore
from coldcheck.service.account_model import (
    PIN_LOCK_DURATION,
    PIN_MAX_FAILURES,
    AccountError,
    AuthEventKind,
    Credentials,
    InvalidCredentials,
    InvalidLogin,
    InvalidPassword,
    InvalidPin,
    PinLocked,
    SessionKind,
    UnknownUser,
    User,
    WrongPin,
    check_csrf,
    normalise_login,
)
from coldcheck.service.account_steps import AccountSteps

T0 = datetime(2025, 3, 14, 7, 30, tzinfo=UTC)
PASSWORD = "tumbleweed saloon 1881"
PIN = "4821"


class CountingHasher(Argon2Hasher):
    """The cheap hasher, counting how often it is asked to verify."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hashed: str, secret: str) -> bool:
        self.verifications += 1
        return super().verify(hashed, secret)


@pytest.fixture
def store() -> MemoryAccountStore:
    return MemoryAccountStore()


@pytest.fixture
def accounts() -> AccountSteps:
    return AccountSteps(Argon2Hasher.cheap())


def make_user(accounts: AccountSteps, store: MemoryAccountStore, **changes: str) -> User:
    values = {
        "login": "jo.smith",
        "display_name": "Jo Smith",
        "person_id": "P-0001",
        "password": PASSWORD,
        "pin": PIN,
    } | changes
    return accounts.create_user(store, now=T0, **values)


# -- secrets never show -------------------------------------------------------


def test_repr_of_user_credentials_and_session_shows_no_secret(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    user = make_user(accounts, store)
    raw, session = accounts.open_session(store, user, SessionKind.WEB, T0)
    creds = store.credentials(user.id)
    assert creds is not None

    shown = " ".join([repr(user), str(user), repr(creds), repr(session), repr(store)])

    for secret in (creds.password_hash, creds.pin_hash, raw, session.csrf_token):
        assert secret is not None and secret not in shown
    assert "argon2" not in shown
    assert not hasattr(user, "password_hash")


def test_no_secret_reaches_the_log_or_the_audit_trail(
    accounts: AccountSteps, store: MemoryAccountStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = make_user(accounts, store)
    accounts.authenticate(store, "jo.smith", PASSWORD, T0)
    with pytest.raises(InvalidCredentials):
        accounts.authenticate(store, "jo.smith", "wrong password 99", T0)
    accounts.set_password(store, user.id, "new passphrase here", T0)
    accounts.set_pin(store, user.id, "556677", T0)
    for _ in range(PIN_MAX_FAILURES):
        with pytest.raises((WrongPin, PinLocked)):
            accounts.verify_pin(store, "P-0001", "1357", T0)

    trail = caplog.text + repr(store.events())
    for secret in (PASSWORD, "wrong password 99", "new passphrase here", PIN, "556677", "1357"):
        assert secret not in trail


def test_refusal_messages_never_repeat_the_secret(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    with pytest.raises(InvalidPassword) as short:
        make_user(accounts, store, password="tiny pw")
    with pytest.raises(InvalidPin) as pin:
        make_user(accounts, store, pin="12x4")

    assert "tiny pw" not in str(short.value)
    assert "12x4" not in str(pin.value)


# -- argon2id -----------------------------------------------------------------


def test_argon2id_parameters_are_the_documented_ones() -> None:
    hashed = Argon2Hasher().hash("one real hash, about 0.1 s")

    assert hashed.startswith("$argon2id$v=19$")
    assert f"m={ARGON2_MEMORY_COST_KIB},t={ARGON2_TIME_COST},p={ARGON2_PARALLELISM}$" in hashed
    assert ARGON2_MEMORY_COST_KIB >= 19456 and ARGON2_TIME_COST >= 2  # OWASP floor


def test_hasher_says_false_rather_than_raising_on_a_bad_hash() -> None:
    hasher = Argon2Hasher.cheap()

    assert hasher.verify("not a hash", "whatever") is False
    assert hasher.verify(hasher.hash("right"), "wrong") is False
    assert hasher.needs_rehash("not a hash") is True
    assert "memory_cost=8" in repr(hasher)


def test_an_unknown_login_costs_one_hash_like_a_wrong_password(
    store: MemoryAccountStore,
) -> None:
    hasher = CountingHasher()
    accounts = AccountSteps(hasher)
    make_user(accounts, store)

    for login in ("nobody", "jo.smith", "Not A Valid Login!"):
        hasher.verifications = 0
        with pytest.raises(InvalidCredentials):
            accounts.authenticate(store, login, "wrong password", T0)
        assert hasher.verifications == 1, login


def test_a_malformed_login_at_sign_in_is_recorded_without_the_input(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    with pytest.raises(InvalidCredentials):
        accounts.authenticate(store, "My Secret Passphrase!", "x", T0)

    (event,) = store.events()
    assert event.kind is AuthEventKind.LOGIN_FAILED and event.login is None


# -- input rules --------------------------------------------------------------


@pytest.mark.parametrize("pin", ["123", "123456789", "12 34", "١٢٣٤", "１２３４", "12345\n"])
def test_pin_must_be_4_to_8_plain_digits(
    accounts: AccountSteps, store: MemoryAccountStore, pin: str
) -> None:
    with pytest.raises(InvalidPin, match="PIN must be 4 to 8 digits"):
        make_user(accounts, store, pin=pin)


@pytest.mark.parametrize("pin", ["0000", "12345678"])
def test_four_and_eight_digit_pins_are_fine(
    accounts: AccountSteps, store: MemoryAccountStore, pin: str
) -> None:
    make_user(accounts, store, pin=pin)

    assert accounts.verify_pin(store, "P-0001", pin, T0) is True


def test_password_must_have_ten_characters_and_says_so(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    with pytest.raises(InvalidPassword, match="at least 10 characters"):
        make_user(accounts, store, password="123456789")
    make_user(accounts, store, password="1234567890")


def test_password_may_not_be_the_login_or_absurdly_long(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    with pytest.raises(InvalidPassword, match="not be the login"):
        make_user(accounts, store, login="armorer.one", password="Armorer.One")
    with pytest.raises(InvalidPassword, match="at most 1024"):
        make_user(accounts, store, password="x" * 1025)


def test_passwords_are_compared_after_unicode_normalisation(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    user = make_user(accounts, store, password="ｆｕｌｌｗｉｄｔｈ pass")

    assert accounts.authenticate(store, "jo.smith", "fullwidth pass", T0) == user


@given(st.text(alphabet=string.ascii_letters + string.digits + "._-", min_size=2, max_size=80))
def test_any_login_of_the_allowed_characters_is_accepted_lower_cased(login: str) -> None:
    assert normalise_login(login) == login.lower()


@given(st.text(max_size=100))
def test_an_accepted_login_is_always_plain_lower_case_ascii(login: str) -> None:
    try:
        stored = normalise_login(login)
    except InvalidLogin as refused:
        assert "2 to 80 characters" in str(refused)
    else:
        assert stored.isascii() and stored == stored.lower() and 2 <= len(stored) <= 80


def test_a_lookalike_unicode_login_is_refused(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    with pytest.raises(InvalidLogin):
        make_user(accounts, store, login="\u212aate")  # KELVIN SIGN lower-cases to "k"


def test_a_time_without_a_zone_is_refused(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        accounts.create_user(
            store,
            login="jo.smith",
            display_name="Jo",
            person_id="P-1",
            password=PASSWORD,
            pin=None,
            now=datetime(2025, 1, 1),
        )


def test_changing_an_unknown_account_says_so(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    with pytest.raises(UnknownUser, match="No account"):
        accounts.set_pin(store, "no-such-id", "1234", T0)
    with pytest.raises(UnknownUser):
        accounts.set_password(store, "no-such-id", PASSWORD, T0)


# -- messages -----------------------------------------------------------------


def test_pin_messages_say_how_many_tries_and_until_when() -> None:
    assert "1 more wrong try will lock this PIN for 15 minutes" in str(WrongPin(1))
    locked = PinLocked(datetime(2025, 3, 14, 7, 45, tzinfo=UTC))
    assert "until 07:45 UTC" in str(locked) and locked.until.minute == 45
    assert timedelta(minutes=15) == PIN_LOCK_DURATION


def test_every_account_error_is_an_account_error() -> None:
    errors = [
        getattr(accounts_module, name)
        for name in accounts_module.__all__
        if isinstance(getattr(accounts_module, name), type)
        and issubclass(getattr(accounts_module, name), Exception)
    ]
    assert len(errors) >= 15 and all(issubclass(e, AccountError) for e in errors)


# -- CSRF ---------------------------------------------------------------------


def test_csrf_token_must_match_the_sessions(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    user = make_user(accounts, store)
    _, session = accounts.open_session(store, user, SessionKind.WEB, T0)
    _, other = accounts.open_session(store, user, SessionKind.WEB, T0)

    assert check_csrf(session, session.csrf_token)
    assert accounts.check_csrf(session, session.csrf_token)
    assert not check_csrf(session, other.csrf_token)
    assert not check_csrf(session, None)
    assert not check_csrf(session, "")
    assert not check_csrf(session, "é" * 43)


def test_every_session_gets_its_own_random_token_and_csrf_token(
    accounts: AccountSteps, store: MemoryAccountStore
) -> None:
    user = make_user(accounts, store)
    opened = [accounts.open_session(store, user, SessionKind.WEB, T0) for _ in range(20)]

    values = [raw for raw, _ in opened] + [s.csrf_token for _, s in opened]
    assert len(set(values)) == 40
    assert all(len(v) == 43 for v in values)  # 32 random bytes, urlsafe base64


# -- layering -----------------------------------------------------------------


def test_the_service_does_not_import_the_database() -> None:
    tree = ast.parse(Path(accounts_module.__file__).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "sqlalchemy" not in imported and "psycopg" not in imported


def test_credentials_hide_their_hashes_in_repr() -> None:
    creds = Credentials("u1", "$argon2id$secret-hash", "$argon2id$pin-hash", 2, None)

    assert "secret-hash" not in repr(creds) and "pin-hash" not in repr(creds)
    assert "pin_failures=2" in repr(creds)
