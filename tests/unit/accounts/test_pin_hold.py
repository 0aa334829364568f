"""Repeated lock periods hold a PIN until the armorer or the producer clears it (issue 15).

Before: five wrong PINs locked it for 15 minutes and the lock then reset for ever, so a
guesser had about 480 tries a day, a 4-digit PIN in about ten days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.service.account_model import (
    PIN_HOLD_AFTER_LOCKS,
    PIN_LOCK_DURATION,
    PIN_MAX_FAILURES,
    AuthEventKind,
    PinHeld,
    PinLocked,
    PinRefused,
    WrongPin,
)
from coldcheck.service.accounts import AccountService
from coldcheck.service.ports import FixedClock

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
PIN = "4821"


def _service() -> tuple[AccountService, FixedClock, list[PinHeld]]:
    clock = FixedClock(T0)
    told: list[PinHeld] = []
    service = AccountService(
        MemoryAccountTransactions(), clock, Argon2Hasher.cheap(), on_pin_held=told.append
    )
    service.create_user(
        login="rosa",
        display_name="Rosa Diaz",
        person_id="rosa",
        password="a long enough password",
        pin=PIN,
    )
    return service, clock, told


def _lock_once(service: AccountService, production: str = "P-1") -> BaseException:
    """Five wrong PINs; the refusal of the fifth."""
    for _ in range(PIN_MAX_FAILURES - 1):
        with pytest.raises(PinRefused) as wrong:
            service.verify_pins([("rosa", "0000")], production)
        assert isinstance(wrong.value.cause, WrongPin)
    with pytest.raises(PinRefused) as last:
        service.verify_pins([("rosa", "0000")], production)
    return last.value.cause


def test_the_third_lock_period_in_a_day_holds_the_pin_and_tells_the_armorer() -> None:
    service, clock, told = _service()
    for n in range(PIN_HOLD_AFTER_LOCKS - 1):
        cause = _lock_once(service)
        assert type(cause) is PinLocked, n
        clock.set(clock.now() + PIN_LOCK_DURATION + timedelta(minutes=1))
    assert told == []
    cause = _lock_once(service)
    assert isinstance(cause, PinHeld) and cause.newly
    assert "until the armorer or the producer clears it" in str(cause)
    assert [(h.person, h.production) for h in told] == [("rosa", "P-1")]
    # a day later, on another production, the right PIN is still refused
    clock.set(clock.now() + timedelta(days=1))
    with pytest.raises(PinRefused) as held:
        service.verify_pins([("rosa", PIN)], "P-2")
    assert isinstance(held.value.cause, PinHeld) and not held.value.cause.newly
    assert len(told) == 1  # told once, when it was held


def test_clearing_the_hold_lets_the_right_pin_work_and_is_recorded() -> None:
    service, clock, _ = _service()
    for _ in range(PIN_HOLD_AFTER_LOCKS):
        _lock_once(service)
        clock.set(clock.now() + PIN_LOCK_DURATION + timedelta(minutes=1))
    user = service.user_by_login("rosa")
    assert user is not None and service.pin_held(user.id)
    assert service.clear_pin_hold(user.id, "armorer mara on P-1", "P-1")
    assert not service.clear_pin_hold(user.id, "armorer mara on P-1", "P-1")
    assert service.verify_pins([("rosa", PIN)], "P-1") == {"rosa"}
    cleared = [e for e in service.events(user.id) if e.kind is AuthEventKind.PIN_HOLD_CLEARED]
    assert [e.detail for e in cleared] == ["cleared by armorer mara on P-1"]
    # the locks before the clearing no longer count: one more lock is only a lock
    assert type(_lock_once(service)) is PinLocked


def test_lock_periods_further_apart_than_a_day_do_not_hold_the_pin() -> None:
    service, clock, told = _service()
    for _ in range(PIN_HOLD_AFTER_LOCKS + 1):
        assert type(_lock_once(service)) is PinLocked
        clock.set(clock.now() + timedelta(hours=13))
    assert told == []
