"""Wrong passwords and PINs slow down per login and per client (issue 15, finding 2).

Before: 120 wrong passwords at about 4 a second, then the right one worked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.service.account_model import (
    AuthEventKind,
    InvalidCredentials,
    PinRefused,
    SessionKind,
    TriesThrottled,
)
from coldcheck.service.accounts import AccountService, Throttled
from coldcheck.service.ports import FixedClock
from coldcheck.service.throttle import LOGIN_THROTTLE, PASSWORD_CLIENT_THROTTLE, PIN_CLIENT_THROTTLE

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
PASSWORD = "a long enough password"
WEB = SessionKind.WEB


def _service() -> tuple[AccountService, FixedClock, list[Throttled]]:
    clock = FixedClock(T0)
    told: list[Throttled] = []
    service = AccountService(
        MemoryAccountTransactions(), clock, Argon2Hasher.cheap(), on_throttled=told.append
    )
    for n, login in enumerate(("mara", "eli", "dana")):
        service.create_user(
            login=login,
            display_name=login.title(),
            person_id=f"{login}-p",
            password=PASSWORD,
            pin=f"{n + 1}{n + 1}{n + 1}{n + 1}",
        )
    return service, clock, told


def _wrong(service: AccountService, login: str, client: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            service.sign_in(login, "not the password", WEB, client)


def test_past_the_free_tries_even_the_right_password_waits_and_the_wait_grows() -> None:
    service, clock, told = _service()
    _wrong(service, "mara", "10.0.0.7", LOGIN_THROTTLE.free + 1)
    with pytest.raises(TriesThrottled) as waiting:
        service.sign_in("mara", PASSWORD, WEB, "10.0.0.8")  # another device: the login waits
    assert waiting.value.retry_after == 30
    assert "try again in 30 seconds (at 07:00:30 UTC)" in str(waiting.value)
    assert [(t.kind, t.person) for t in told] == [("login", "mara-p")]
    clock.set(T0 + timedelta(seconds=31))
    _wrong(service, "mara", "10.0.0.7", 1)  # the next wrong one waits twice as long
    with pytest.raises(TriesThrottled) as longer:
        service.sign_in("mara", PASSWORD, WEB, "10.0.0.7")
    assert longer.value.retry_after == 60
    clock.set(clock.now() + timedelta(seconds=61))
    assert service.sign_in("mara", PASSWORD, WEB, "10.0.0.7").user.login == "mara"
    user = service.user_by_login("mara")
    assert user is not None
    kinds = [e.kind for e in service.events(user.id)]
    assert kinds.count(AuthEventKind.SIGNIN_THROTTLED) == 2


def test_an_unknown_login_is_throttled_with_the_same_words_as_a_known_one() -> None:
    service, _, told = _service()
    answers = []
    for login in ("mara", "nobody-here"):
        _wrong(service, login, "", LOGIN_THROTTLE.free + 1)
        with pytest.raises(TriesThrottled) as waiting:
            service.sign_in(login, PASSWORD, WEB)
        answers.append(str(waiting.value))
    assert answers[0] == answers[1]
    assert [t.person for t in told] == ["mara-p", None]


def test_one_client_guessing_many_logins_waits_while_another_client_does_not() -> None:
    service, _, told = _service()
    for n in range(PASSWORD_CLIENT_THROTTLE.free + 1):  # each login stays under its limit
        _wrong(service, f"guess{n // LOGIN_THROTTLE.free}", "10.0.0.66", 1)
    with pytest.raises(TriesThrottled, match="from this device"):
        service.sign_in("eli", PASSWORD, WEB, "10.0.0.66")
    assert service.sign_in("eli", PASSWORD, WEB, "10.0.0.9").user.login == "eli"
    assert ("client", "10.0.0.66") in [(t.kind, t.who) for t in told]


def test_a_right_password_does_not_reset_its_clients_count() -> None:
    service, _, _ = _service()
    for n in range(PASSWORD_CLIENT_THROTTLE.free):
        _wrong(service, f"guess{n}", "10.0.0.66", 1)
        if n % 3 == 2:
            service.sign_in("dana", PASSWORD, WEB, "10.0.0.66")  # own account between guesses
    _wrong(service, "guess-last", "10.0.0.66", 1)
    with pytest.raises(TriesThrottled):
        service.sign_in("dana", PASSWORD, WEB, "10.0.0.66")


def test_wrong_pins_from_one_client_across_people_wait_and_say_when() -> None:
    service, clock, told = _service()
    people = ["mara-p", "eli-p", "dana-p"]
    for n in range(PIN_CLIENT_THROTTLE.free + 1):
        with pytest.raises(PinRefused):
            service.verify_pins([(people[n % 3], "9999")], "P-1", client="10.0.0.5")
    with pytest.raises(TriesThrottled, match=r"PINs from this device.*try again in 30 seconds"):
        service.verify_pins([("mara-p", "1111")], "P-1", client="10.0.0.5")
    assert service.verify_pins([("mara-p", "1111")], "P-1", client="10.0.0.6") == {"mara-p"}
    assert told[-1].kind == "pin"
    clock.set(T0 + timedelta(seconds=31))
    assert service.verify_pins([("mara-p", "1111")], "P-1", client="10.0.0.5") == {"mara-p"}
