"""A custody or incident report lists the PIN failures around its events (the security log)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.domain.ids import ProductionId
from coldcheck.ledger.records import is_event_entry
from coldcheck.service import demo
from coldcheck.service.accounts import AccountService
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import decode_entry
from coldcheck.service.ports import FixedClock
from coldcheck.service.queries import SecurityEvent, TimelineItem
from coldcheck.service.reports import custody_report, pin_rows

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
DEMO = ProductionId("dry-gulch")


def test_the_custody_report_of_a_weapon_lists_the_wrong_pins_of_its_people() -> None:
    db = MemoryDatabase(Ed25519PrivateKey.generate())
    custody = CustodyService(MemoryUnitOfWorkFactory(db), FixedClock(NOW))
    accounts = AccountService(MemoryAccountTransactions(), FixedClock(NOW), Argon2Hasher.cheap())
    demo.load_demo(custody, accounts, NOW)
    items = [TimelineItem(*decode_entry(e)) for e in db.entries if is_event_entry(e)]
    at = items[-1].event.at
    security = [
        SecurityEvent(900, at, "pin_failed", "rosa", "rosa-lind", "wrong PIN 1 of 5"),
        SecurityEvent(901, at, "pin_locked", "rosa", "rosa-lind", "locked until 15:15"),
        SecurityEvent(902, at, "login_ok", "rosa", "rosa-lind", ""),  # not a PIN failure
        SecurityEvent(903, at, "pin_failed", "tom", "tom-reyes", "wrong PIN 1 of 5"),
    ]
    state = custody.state(DEMO)
    report = custody_report(
        state, items, "W-0002", None, None, NOW + timedelta(days=1), None, security
    )
    # Rosa was handed W-0002 in the demo; Tom never touched it
    assert [(r.seq, r.what, r.who) for r in report.pin_failures] == [
        (900, "wrong PIN", "Rosa Lind"),
        (901, "PIN locked", "Rosa Lind"),
    ]
    everyone = pin_rows(security, state, ZoneInfo(report.heading.time_zone))
    assert [r.seq for r in everyone] == [900, 901, 903]
