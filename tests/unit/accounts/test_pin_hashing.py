"""PINs are hashed with their own, cheaper argon2id parameters; passwords keep the strong ones."""

from __future__ import annotations

from datetime import UTC, datetime

from coldcheck.adapters.argon2 import (
    ARGON2_MEMORY_COST_KIB,
    PIN_ARGON2_MEMORY_COST_KIB,
    Argon2Hasher,
)
from coldcheck.adapters.memory_accounts import MemoryAccountStore
from coldcheck.service.account_steps import AccountSteps

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def test_pins_use_the_pin_parameters_and_passwords_the_strong_ones() -> None:
    store = MemoryAccountStore()
    service = AccountSteps(
        Argon2Hasher(time_cost=1, memory_cost=ARGON2_MEMORY_COST_KIB // 8),
        pin_hasher=Argon2Hasher.for_pins(),
    )
    user = service.create_user(
        store,
        login="mara",
        display_name="Mara Voss",
        person_id="mara-voss",
        password="a long enough password",
        pin="2468",
        now=NOW,
    )
    creds = store.credentials(user.id)
    assert creds is not None and creds.pin_hash is not None
    assert f"m={PIN_ARGON2_MEMORY_COST_KIB},t=1" in creds.pin_hash
    assert f"m={ARGON2_MEMORY_COST_KIB // 8}," in creds.password_hash
    assert service.verify_pin(store, "mara-voss", "2468", NOW)
