"""A PIN's argon2 hash is checked before the write transaction (which holds the writer lock).

Its verdict is used inside the transaction only while the stored hash is still the one it
was checked against; a PIN changed meanwhile is hashed again there, and a locked PIN is
not hashed at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory_accounts import MemoryAccountStore, MemoryAccountTransactions
from coldcheck.service.account_model import PIN_MAX_FAILURES, PinLocked, PinRefused, WrongPin
from coldcheck.service.accounts import AccountService
from coldcheck.service.ports import FixedClock

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
PIN = "4821"


class Transactions(MemoryAccountTransactions):
    """Memory account transactions that know whether a write transaction is open."""

    writing = 0

    @contextmanager
    def __call__(self, *, write: bool = True) -> Iterator[MemoryAccountStore]:
        self.writing += write
        try:
            yield self.store
        finally:
            self.writing -= write


class Spy:
    """A cheap argon2 hasher noting, for each PIN verify, whether a write was open."""

    def __init__(self, txs: Transactions) -> None:
        self.inner = Argon2Hasher.cheap()
        self.txs = txs
        self.verified_in_write: list[bool] = []
        self.on_verify = lambda: None

    def hash(self, secret: str) -> str:
        return self.inner.hash(secret)

    def verify(self, hashed: str, secret: str) -> bool:
        self.verified_in_write.append(self.txs.writing > 0)
        self.on_verify()
        return self.inner.verify(hashed, secret)

    def needs_rehash(self, hashed: str) -> bool:
        return self.inner.needs_rehash(hashed)


@pytest.fixture
def world() -> tuple[AccountService, Spy, Transactions]:
    txs = Transactions()
    spy = Spy(txs)
    service = AccountService(txs, FixedClock(T0), Argon2Hasher.cheap(), pin_hasher=spy)
    service.create_user(
        login="rosa",
        display_name="Rosa Diaz",
        person_id="rosa",
        password="a long enough password",
        pin=PIN,
    )
    spy.verified_in_write.clear()
    return service, spy, txs


def test_a_right_pin_is_hashed_once_before_the_write_transaction(
    world: tuple[AccountService, Spy, Transactions],
) -> None:
    service, spy, _ = world
    assert service.verify_pins([("rosa", PIN)], "P-1") == {"rosa"}
    assert spy.verified_in_write == [False]


def test_a_wrong_pin_is_hashed_once_before_it_and_still_counted_in_it(
    world: tuple[AccountService, Spy, Transactions],
) -> None:
    service, spy, txs = world
    with pytest.raises(PinRefused) as refused:
        service.verify_pins([("rosa", "0000")], "P-1")
    assert isinstance(refused.value.cause, WrongPin)
    assert spy.verified_in_write == [False]
    user = txs.store.user_by_person("rosa")
    assert user is not None and txs.store.pin_lockout(user.id, "P-1")[0] == 1


def test_a_pin_changed_after_the_check_is_hashed_again_in_the_transaction(
    world: tuple[AccountService, Spy, Transactions],
) -> None:
    service, spy, txs = world
    user = txs.store.user_by_person("rosa")
    assert user is not None
    new_hash = spy.inner.hash("9999")

    def change_pin_once() -> None:  # an administrator sets a new PIN at that moment
        spy.on_verify = lambda: None
        txs.store.set_pin_hash(user.id, new_hash)

    spy.on_verify = change_pin_once
    with pytest.raises(PinRefused) as refused:
        service.verify_pins([("rosa", PIN)], "P-1")  # right before, wrong now
    assert isinstance(refused.value.cause, WrongPin)
    assert spy.verified_in_write == [False, True]


def test_a_locked_pin_is_not_even_hashed(world: tuple[AccountService, Spy, Transactions]) -> None:
    service, spy, _ = world
    for _ in range(PIN_MAX_FAILURES):
        with pytest.raises(PinRefused):
            service.verify_pins([("rosa", "0000")], "P-1")
    spy.verified_in_write.clear()
    with pytest.raises(PinRefused) as refused:
        service.verify_pins([("rosa", PIN)], "P-1")
    assert isinstance(refused.value.cause, PinLocked)
    assert spy.verified_in_write == []


def test_after_the_first_refused_pin_the_others_are_not_hashed(
    world: tuple[AccountService, Spy, Transactions],
) -> None:
    service, spy, _ = world
    service.create_user(
        login="jack",
        display_name="Jack Hale",
        person_id="jack",
        password="another long password",
        pin="1212",
    )
    spy.verified_in_write.clear()
    with pytest.raises(PinRefused) as refused:
        service.verify_pins([("rosa", "0000"), ("jack", "1212")], "P-1")
    assert refused.value.person == "rosa"
    assert spy.verified_in_write == [False]
