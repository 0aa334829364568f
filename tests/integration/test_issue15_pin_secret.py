"""A copy of the database alone lets nobody test a PIN offline (issue 15, finding 1).

Before: ``users.pin_hash`` was a plain argon2id hash of the 4-8 digit PIN, so anyone
with a copy of the database (or a ``pg_dump``) found a 4-digit PIN in a few thousand
tries. Now the PIN is keyed with a secret derived from the signing key file (0600,
beside the database, never in it) before it is hashed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import argon2
import pytest
from argon2.exceptions import InvalidHashError, VerificationError

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build, init_data
from coldcheck.config import Settings

PIN = "4821"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    settings = Settings.from_env({"COLDCHECK_DATA": str(tmp_path / "data")})
    init_data(settings)
    app = build(settings, hasher=Argon2Hasher.cheap())
    try:
        app.accounts.create_user(
            login="rosa",
            display_name="Rosa Diaz",
            person_id="P-rosa",
            password="a long enough password",
            pin=PIN,
        )
        yield app
    finally:
        app.close()


def _stored_pin_hash(app: App) -> str:
    with app.engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT pin_hash FROM users WHERE login = 'rosa'").scalar()
    assert isinstance(value, str)
    return value


def _offline_guess(stored: str) -> list[str]:
    """What someone holding only the database finds: every 4-digit PIN the stored hash
    (or its PHC part after any prefix) accepts, checked with argon2 itself."""
    ph = argon2.PasswordHasher()
    phc = stored[stored.index("$") :]
    found = []
    for n in range(10_000):
        guess = f"{n:04d}"
        try:
            if ph.verify(phc, guess):
                found.append(guess)
        except (VerificationError, InvalidHashError):
            pass
    return found


def test_the_pin_hash_in_a_copy_of_the_database_verifies_no_pin_without_the_key(
    app: App,
) -> None:
    stored = _stored_pin_hash(app)
    assert _offline_guess(stored) == []
    # and the server, which holds the key file, still checks the right PIN
    assert app.accounts.verify_pins([("P-rosa", PIN)]) == {"P-rosa"}


def test_a_pin_hash_from_before_the_secret_works_once_and_is_replaced_by_a_keyed_one(
    app: App,
) -> None:
    old = Argon2Hasher.cheap().hash("1357")  # what an older coldcheck stored
    with app.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE users SET pin_hash = ? WHERE login = 'rosa'", (old,))
    assert _offline_guess(old) == ["1357"]  # the old form falls offline: that is the finding
    assert app.accounts.verify_pins([("P-rosa", "1357")]) == {"P-rosa"}
    upgraded = _stored_pin_hash(app)
    assert upgraded != old
    assert _offline_guess(upgraded) == []
    assert app.accounts.verify_pins([("P-rosa", "1357")]) == {"P-rosa"}
