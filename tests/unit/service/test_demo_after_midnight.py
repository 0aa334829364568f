"""The demo loads at any time of day, just after midnight in its zone included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.ledger.records import is_event_entry
from coldcheck.service import demo
from coldcheck.service.accounts import AccountService
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import decode_entry
from coldcheck.service.ports import FixedClock

MIDNIGHT_IN_DENVER = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("after", [timedelta(seconds=30), timedelta(minutes=5), timedelta(hours=2)])
def test_the_demo_history_ends_before_now_just_after_midnight(after: timedelta) -> None:
    now = MIDNIGHT_IN_DENVER + after
    db = MemoryDatabase(Ed25519PrivateKey.generate())
    custody = CustodyService(MemoryUnitOfWorkFactory(db), FixedClock(now))
    accounts = AccountService(MemoryAccountTransactions(), FixedClock(now), Argon2Hasher.cheap())
    demo.load_demo(custody, accounts, now)
    times = [decode_entry(e)[1].at for e in db.entries if is_event_entry(e)]
    assert times == sorted(times)
    assert times[-1] <= now  # nothing recorded ahead of the clock the server signs with
