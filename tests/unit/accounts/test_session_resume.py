"""A cart session lasts a shoot day and, once ended, is resumed on the same device by PIN."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.config import ConfigError, Settings
from coldcheck.service.account_model import (
    WEB_SESSION_TTL,
    AuthEventKind,
    InvalidCredentials,
    SessionKind,
    WrongPin,
)
from coldcheck.service.accounts import AccountService
from coldcheck.service.ports import FixedClock

T0 = datetime(2026, 6, 1, 5, 30, tzinfo=UTC)


def service(hours: float = 16) -> tuple[AccountService, FixedClock]:
    clock = FixedClock(T0)
    accounts = AccountService(
        MemoryAccountTransactions(),
        clock,
        Argon2Hasher.cheap(),
        web_session_ttl=timedelta(hours=hours),
    )
    accounts.create_user(
        login="mara",
        display_name="Mara Voss",
        person_id="mara-voss",
        password="long enough password",
        pin="2468",
    )
    return accounts, clock


def test_a_page_session_lasts_a_shoot_day_of_16_hours_by_default():
    assert timedelta(hours=16) == WEB_SESSION_TTL
    assert Settings.from_env({}).session_hours == 16
    assert Settings.from_env({"COLDCHECK_SESSION_HOURS": "10.5"}).session_hours == 10.5
    for bad in ("0", "-1", "a day", "49"):
        with pytest.raises(ConfigError, match="COLDCHECK_SESSION_HOURS"):
            Settings.from_env({"COLDCHECK_SESSION_HOURS": bad})
    accounts, clock = service()
    signed = accounts.sign_in("mara", "long enough password", SessionKind.WEB)
    clock.set(T0 + timedelta(hours=15, minutes=59))
    accounts.sessions.clear()
    assert accounts.session_for_token(signed.token, SessionKind.WEB) is not None
    clock.set(T0 + timedelta(hours=16, minutes=1))
    accounts.sessions.clear()
    assert accounts.session_for_token(signed.token, SessionKind.WEB) is None


def test_an_ended_session_is_resumed_with_the_persons_pin_once():
    accounts, clock = service(hours=1)
    signed = accounts.sign_in("mara", "long enough password", SessionKind.WEB)
    assert accounts.resumable(signed.token) is None  # still live: nothing to resume
    clock.set(T0 + timedelta(hours=1, minutes=5))
    user = accounts.resumable(signed.token)
    assert user is not None and user.display_name == "Mara Voss"
    again = accounts.resume_session(signed.token, "2468")
    assert accounts.session_for_token(again.token, SessionKind.WEB) is not None
    assert again.session.expires_at == T0 + timedelta(hours=2, minutes=5)
    with pytest.raises(InvalidCredentials):  # the ended session cannot resume twice
        accounts.resume_session(signed.token, "2468")


def test_a_wrong_pin_does_not_resume_and_counts_towards_the_lock():
    accounts, clock = service(hours=1)
    signed = accounts.sign_in("mara", "long enough password", SessionKind.WEB)
    clock.set(T0 + timedelta(hours=2))
    with pytest.raises(WrongPin):
        accounts.resume_session(signed.token, "1111")
    assert any(e.kind is AuthEventKind.PIN_FAILED for e in accounts.events())
    assert accounts.resumable(signed.token) is not None  # still resumable with the right PIN


def test_a_session_resumes_only_for_as_long_again_and_never_after_signing_out():
    accounts, clock = service(hours=1)
    signed = accounts.sign_in("mara", "long enough password", SessionKind.WEB)
    clock.set(T0 + timedelta(hours=2, minutes=1))
    assert accounts.resumable(signed.token) is None
    clock.set(T0)
    other = accounts.sign_in("mara", "long enough password", SessionKind.WEB)
    accounts.revoke_session(other.token)
    clock.set(T0 + timedelta(hours=1, minutes=30))
    assert accounts.resumable(other.token) is None
    api = accounts.sign_in("mara", "long enough password", SessionKind.API)
    assert accounts.resumable(api.token) is None  # API tokens are never resumed by PIN
