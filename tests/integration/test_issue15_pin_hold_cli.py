"""A held PIN alerts the production and only its armorer or producer clears it (issue 15)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.sql.account_store import pin_lockouts
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from coldcheck.domain.ids import ProductionId
from coldcheck.service.account_model import (
    PIN_HOLD_AFTER_LOCKS,
    PIN_MAX_FAILURES,
    AuthEventKind,
    PinRefused,
)
from coldcheck.service.demo import PRODUCTION
from coldcheck.service.ports import SystemClock
from tests.conftest import run_cli


def test_a_held_pin_alerts_the_production_and_only_the_armorer_or_producer_clears_it(
    demo_copy: Path,
) -> None:
    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap())
    try:
        start = app.alerts.last_id()
        for _ in range(PIN_HOLD_AFTER_LOCKS):
            for _ in range(PIN_MAX_FAILURES):
                with pytest.raises(PinRefused):
                    app.accounts.verify_pins([("rosa-lind", "0000")], PRODUCTION)
            # the 15-minute lock runs out (the log's clock cannot be moved on: its heads
            # are signed with the time, and a later command line would refuse them)
            with app.engine.begin() as conn:
                conn.execute(
                    update(pin_lockouts)
                    .where(pin_lockouts.c.production == PRODUCTION)
                    .values(locked_until=SystemClock().now() - timedelta(seconds=1))
                )
        alerts = app.alerts.since(ProductionId(PRODUCTION), start).alerts
        assert [a.alert.kind for a in alerts] == ["pin_held"]
        assert "rosa-lind" in alerts[0].alert.message
        assert "armorer or the producer" in alerts[0].alert.message
        with pytest.raises(PinRefused, match="until the armorer or the producer clears it"):
            app.accounts.verify_pins([("rosa-lind", "3434")], PRODUCTION)
    finally:
        app.close()

    refused = run_cli(
        "user", "clear-pin-hold", "rosa", "--as", "dana-ortiz", data=demo_copy, check=False
    )
    assert refused.returncode == 1
    assert "only the armorer or the producer" in refused.stderr
    cleared = run_cli(
        "user", "clear-pin-hold", "rosa", "--as", "mara-voss", "--json", data=demo_copy
    )
    assert json.loads(cleared.stdout) == {"ok": True, "login": "rosa", "cleared": True}

    app = build(Settings.from_env({"COLDCHECK_DATA": str(demo_copy)}), hasher=Argon2Hasher.cheap())
    try:
        assert app.accounts.verify_pins([("rosa-lind", "3434")], PRODUCTION) == {"rosa-lind"}
        user = app.accounts.user_by_login("rosa")
        assert user is not None
        kinds = [e.kind for e in app.accounts.events(user.id)]
        assert AuthEventKind.PIN_HELD in kinds and AuthEventKind.PIN_HOLD_CLEARED in kinds
    finally:
        app.close()
