"""Group commit, on memory, SQLite and PostgreSQL: requests queued while a commit runs share
the next transaction, commit record and signed head, and each gets its own answer; the
one writer's other jobs (a challenge stored, a PIN checked, a confirmation given:
``CustodyService.run_job``) run in the same transaction, in arrival order.

A group's leader is held just before it opens its transaction (``HeldWriter``) while the
requests of the next group queue up one after another, so which requests share a group,
and in which order they are decided, is known — never a matter of timing.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlalchemy.exc import OperationalError

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.sql.account_store import SqlAccountTransactions
from coldcheck.adapters.sql.engine import make_engine
from coldcheck.adapters.sql.store import SqlUnitOfWork, SqlUnitOfWorkFactory
from coldcheck.domain import commands as c
from coldcheck.domain.events import Event
from coldcheck.domain.ids import PersonId, WeaponId
from coldcheck.domain.state import ProductionState
from coldcheck.ledger.records import is_event_entry
from coldcheck.service import demo
from coldcheck.service.account_model import AuthEvent, AuthEventKind, PinRefused
from coldcheck.service.accounts import AccountService
from coldcheck.service.confirmations import ConfirmationService
from coldcheck.service.custody import Accepted, CustodyService
from coldcheck.service.envelope import Channel, decode_entry
from coldcheck.service.errors import Refused, Unconfirmed
from coldcheck.service.ports import (
    Challenge,
    FixedClock,
    GroupBroken,
    GroupTransaction,
    UnitOfWork,
    UnitOfWorkFactory,
)
from tests.contract.test_custody_contract import (
    ACCOUNTS,
    DANA,
    DEMO,
    MARA,
    NOW,
    ROSA,
    W2,
    Backend,
    _accounts,
    _asked_handover,
    _backend,
    _confirmed,
    _inspect,
    _replay_log,
)
from tests.pg import schema_url

W5 = WeaponId("W-0005")
WEB = Channel.web()
Outcome = Accepted | BaseException


class HeldWriter:
    """A unit-of-work factory whose next write waits while ``open`` is clear."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self.inner = inner
        self.open = threading.Event()
        self.open.set()
        self.waiting = threading.Event()

    def __call__(self, *, write: bool = True) -> UnitOfWork:
        if write and not self.open.is_set():
            self.waiting.set()
            assert self.open.wait(60), "the test never let the writer go"
        return self.inner(write=write)

    def active_states(self) -> list[ProductionState]:
        return self.inner.active_states()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with _backend(request.param, tmp_path) as b:
        yield b


@pytest.fixture
def writer(backend: Backend) -> HeldWriter:
    return HeldWriter(backend.factory())


@pytest.fixture
def service(writer: HeldWriter) -> CustodyService:
    """The demo production, on a fixed clock, behind a writer the test can hold."""
    svc = CustodyService(writer, FixedClock(NOW))
    accounts = _accounts()
    demo.load_demo(svc, accounts, NOW)
    ACCOUNTS[id(svc)] = accounts
    assert isinstance(svc.clock, FixedClock)
    svc.clock.set(NOW + timedelta(hours=1))
    return svc


def _wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def _correct(reason: str) -> c.Correct:
    return c.Correct(production=DEMO, actor=MARA, at=NOW, corrects=3, reason=reason)


def _take_out(weapon: WeaponId = W2) -> c.TakeOutOfStorage:
    return c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=weapon)


def _return(weapon: WeaponId) -> c.ReturnToStorage:
    return c.ReturnToStorage(production=DEMO, actor=MARA, at=NOW, weapon=weapon)


def in_one_group(
    service: CustodyService, writer: HeldWriter, requests: Sequence[Callable[[], Accepted]]
) -> tuple[Outcome, list[Outcome]]:
    """Run ``requests`` as ONE group, queued in this order behind a held leader.

    The leader (a correction) commits a group of its own first; returns its outcome and
    each request's, in order.
    """
    groups = service.group_commit.groups
    outcomes: dict[int, Outcome] = {}

    def call(i: int, request: Callable[[], Accepted]) -> None:
        try:
            outcomes[i] = request()
        except BaseException as exc:
            outcomes[i] = exc

    writer.open.clear()
    writer.waiting.clear()
    threads = [
        threading.Thread(
            target=call, args=(-1, lambda: service.execute(_correct("leader"), channel=WEB))
        )
    ]
    threads[0].start()
    assert writer.waiting.wait(60)
    for i, request in enumerate(requests):
        threads.append(threading.Thread(target=call, args=(i, request)))
        threads[-1].start()
        _wait_until(lambda i=i: service.group_commit.queued == i + 1)  # type: ignore[misc]
    writer.open.set()
    for t in threads:
        t.join(60)
    assert service.group_commit.groups == groups + 2
    return outcomes[-1], [outcomes[i] for i in range(len(requests))]


def _event_at(backend: Backend, seq: int) -> Event:
    entry = backend.entries()[seq]
    assert is_event_entry(entry)
    position, event = decode_entry(entry)
    assert position == seq
    return event


def _commit_records(backend: Backend) -> int:
    return sum(
        1
        for e in backend.entries()
        if not is_event_entry(e) and json.loads(e).get("record") == "commit"
    )


def test_requests_queued_during_a_commit_share_one_transaction_one_commit_record_and_one_head(
    backend: Backend, writer: HeldWriter, service: CustodyService
) -> None:
    size, heads, commits = len(backend.entries()), backend.heads_ok(), _commit_records(backend)
    leader, outcomes = in_one_group(
        service,
        writer,
        [
            lambda i=i: service.execute(_correct(f"request {i}"), channel=WEB)  # type: ignore[misc]
            for i in range(5)
        ],
    )
    assert isinstance(leader, Accepted)
    accepted = [o for o in outcomes if isinstance(o, Accepted)]
    assert len(accepted) == 5, outcomes
    assert len({a.head.tree_size for a in accepted}) == 1  # one signed head for the group
    seqs = [a.seqs[0] for a in accepted]
    assert seqs == list(range(seqs[0], seqs[0] + 5))  # decided and written in arrival order
    for i, a in enumerate(accepted):
        assert _event_at(backend, a.seqs[0]) == a.events[0]
        assert a.events[0].reason == f"request {i}"  # type: ignore[union-attr]
    assert accepted[0].head.tree_size == seqs[-1] + 2  # the five and one commit record
    assert len(backend.entries()) == size + 2 + 6
    assert backend.heads_ok() == heads + 2
    assert _commit_records(backend) == commits + 2
    assert service.state(DEMO) == _replay_log(backend)


def test_a_refused_request_fails_alone_judged_on_the_state_the_earlier_requests_leave(
    backend: Backend, writer: HeldWriter, service: CustodyService
) -> None:
    w5 = service.state(DEMO).weapons[W5]
    _, outcomes = in_one_group(
        service,
        writer,
        [
            lambda: service.execute(_take_out(), channel=WEB),
            lambda: service.execute(_take_out(), channel=WEB),  # out already, by request 1
            lambda: service.execute(_inspect(), channel=WEB),  # needs it out: request 1
            lambda: service.execute_batch([_take_out(W5), _take_out(W5)], channel=WEB),
            lambda: service.execute(_correct("after the refusals"), channel=WEB),
        ],
    )
    taken, again, inspected, batch, corrected = outcomes
    assert isinstance(taken, Accepted) and isinstance(inspected, Accepted), outcomes
    assert isinstance(corrected, Accepted), outcomes
    assert isinstance(again, Refused) and again.reasons, outcomes
    assert isinstance(batch, Refused) and batch.index == 1  # the batch's second, all or nothing
    assert taken.head == inspected.head == corrected.head
    assert inspected.seqs[0] == taken.seqs[-1] + 1 and corrected.seqs[0] == inspected.seqs[-1] + 1
    state = service.state(DEMO)
    assert state == _replay_log(backend)
    assert state.weapons[W5] == w5  # the refused batch wrote nothing, not even its first
    written = [
        _event_at(backend, s).type_name for s in range(taken.seqs[0], corrected.seqs[-1] + 1)
    ]
    assert written == ["WeaponTakenOut", "InspectionRecorded", "CorrectionRecorded"]


def test_when_the_group_fails_to_commit_every_request_gets_the_error_and_nothing_is_written(
    backend: Backend, writer: HeldWriter, service: CustodyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    size, state = len(backend.entries()), service.state(DEMO)
    failure = OperationalError("COMMIT", {}, Exception("disk I/O error"))

    def boom(self: object) -> None:
        raise failure

    if backend.name == "memory":
        monkeypatch.setattr("coldcheck.adapters.memory.MemoryUnitOfWork.commit", boom)
    else:
        monkeypatch.setattr(SqlUnitOfWork, "commit", boom)
    leader, outcomes = in_one_group(
        service,
        writer,
        [
            lambda: service.execute(_take_out(), channel=WEB),
            lambda: service.execute(_take_out(), channel=WEB),  # refused, if it had committed
            lambda: service.execute(_correct("lost with its group"), channel=WEB),
        ],
    )
    monkeypatch.undo()
    assert leader is failure
    assert all(o is failure for o in outcomes), outcomes
    assert len(backend.entries()) == size
    assert service.state(DEMO) == state == _replay_log(backend)
    assert isinstance(service.execute(_take_out(), channel=WEB), Accepted)  # the writer goes on


def test_a_confirmation_presented_twice_in_one_group_is_used_once(
    backend: Backend, writer: HeldWriter, service: CustodyService
) -> None:
    service.execute(_take_out(), channel=WEB)
    service.execute(_inspect(), channel=WEB)
    ids = _confirmed(backend, service, _asked_handover(), ROSA, DANA)
    _, (first, second) = in_one_group(
        service,
        writer,
        [
            lambda: service.execute(_asked_handover(), ids, channel=WEB),
            lambda: service.execute(_asked_handover(), ids, channel=WEB),
        ],
    )
    assert isinstance(first, Accepted), first
    assert isinstance(second, Unconfirmed), second
    assert backend.confirmations is not None
    with backend.confirmations()(write=False) as store:
        used = store.confirmations(ids)
    assert {conf.consumed_seq for conf, _ in used} == {first.seqs[0]}
    assert service.state(DEMO) == _replay_log(backend)


def _race(services: Sequence[CustodyService], threads: int, rounds: int) -> list[Accepted]:
    """``threads`` clients, each on one of ``services``, toggling W-0002/W-0005 in and out
    of storage from what they last read (often stale) and adding corrections."""
    accepted: list[Accepted] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def client(n: int) -> None:
        rng = random.Random(n)
        svc = services[n % len(services)]
        try:
            for i in range(rounds):
                weapon = rng.choice([W2, W5])
                if rng.random() < 0.3:
                    command: c.Command = _correct(f"client {n} round {i}")
                elif svc.state(DEMO).weapons[weapon].location.value == "storage":
                    command = _take_out(weapon)
                else:
                    command = _return(weapon)
                try:
                    result = svc.execute(command, channel=WEB)
                except Refused:
                    continue
                with lock:
                    accepted.append(result)
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(300)
    assert not failures, failures[:3]
    return accepted


def _custody_alternates(backend: Backend) -> None:
    """In the log, each weapon is taken out only from storage and returned only when out."""
    out: dict[str, bool] = {}
    for entry in backend.entries():
        if not is_event_entry(entry):
            continue
        _, event = decode_entry(entry)
        weapon = getattr(event, "weapon", None)
        if event.type_name == "WeaponTakenOut":
            assert not out.get(str(weapon)), f"{weapon} taken out twice"
            out[str(weapon)] = True
        elif event.type_name == "WeaponReturnedToStorage":
            assert out.get(str(weapon)), f"{weapon} returned while in storage"
            out[str(weapon)] = False


def test_many_threads_each_get_the_answer_the_log_holds(
    backend: Backend, service: CustodyService
) -> None:
    heads, groups = backend.heads_ok(), service.group_commit.groups
    accepted = _race([service], threads=16, rounds=6)
    assert accepted
    for a in accepted:
        for seq, event in zip(a.seqs, a.events, strict=True):
            assert _event_at(backend, seq) == event
            assert seq < a.head.tree_size
    committed = service.group_commit.groups - groups
    assert backend.heads_ok() - heads <= committed <= len(accepted) + 16 * 6
    assert len({a.head.tree_size for a in accepted}) == backend.heads_ok() - heads
    assert service.state(DEMO) == _replay_log(backend)
    _custody_alternates(backend)


@contextmanager
def _second_server(backend: Backend, service: CustodyService) -> Iterator[CustodyService]:
    """Another server process on the same database: its own engine, so its own in-process
    writer lock, connections and state cache; its clock at ``service``'s."""
    assert backend.engine is not None and isinstance(service.clock, FixedClock)
    url = str(backend.engine.url) if backend.name == "sqlite" else schema_url(backend.engine)
    engine: Engine = make_engine(url)
    try:
        yield CustodyService(
            SqlUnitOfWorkFactory(engine, backend.key), FixedClock(service.clock.now())
        )
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_read_racing_another_process_caches_only_the_events_up_to_the_position_it_read(
    backend: Backend, service: CustodyService
) -> None:
    # the race seen in CI on PostgreSQL (READ COMMITTED: each statement its own snapshot):
    # another process commits between a read's "newest position" and "events after the
    # cache"; the state cached under the older position must not hold the newer event,
    # or the next read applies it a second time
    assert backend.engine is not None
    with _second_server(backend, service) as other:
        other.execute(
            _correct("written before the read: the reader's cache is behind"), channel=WEB
        )
        armed = [True]

        def between_statements(conn: object, cursor: object, statement: str, *_: object) -> None:
            if armed[0] and "max(events.seq)" in statement.lower().replace(" ", ""):
                armed[0] = False
                writer = threading.Thread(
                    target=other.execute,
                    args=(_correct("committed mid-read"),),
                    kwargs={"channel": WEB},
                )
                writer.start()
                writer.join(60)

        sa_event.listen(backend.engine, "after_cursor_execute", between_statements)
        try:
            first = service.state(DEMO)
        finally:
            sa_event.remove(backend.engine, "after_cursor_execute", between_statements)
        assert not armed[0], "the read never asked for the newest position"
        assert [n.reason for n in first.corrections][-1:] == [
            "written before the read: the reader's cache is behind"
        ]
        assert service.state(DEMO) == other.state(DEMO) == _replay_log(backend)
        assert len(service.state(DEMO).corrections) == len(first.corrections) + 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_two_server_processes_on_one_database_each_read_what_the_other_wrote(
    backend: Backend, service: CustodyService
) -> None:
    with _second_server(backend, service) as other:
        accepted = _race([service, other], threads=8, rounds=6)
        assert accepted
        assert service.state(DEMO) == other.state(DEMO) == _replay_log(backend)
        _custody_alternates(backend)
        backend.heads_ok()


# -- the one writer's other jobs (CustodyService.run_job) ---------------------------------


def _challenge(name: str) -> Challenge:
    return Challenge(
        id=f"job-{name}",
        production=DEMO,
        actor=MARA,
        command="correct",
        digest="0" * 64,
        log_size=0,
        nonce="00" * 16,
        summary=f"challenge {name}",
        people=(DANA,),
        created_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )


def _store(name: str, fail: bool = False) -> object:
    """A job storing challenge ``name`` (and then raising, when ``fail``)."""

    def work(tx: GroupTransaction, _now: object) -> str:
        tx.confirmations().add_challenge(_challenge(name))
        if fail:
            raise ValueError(f"job {name} failed after its write")
        return name

    return work


def _stored(backend: Backend, name: str) -> bool:
    assert backend.confirmations is not None
    with backend.confirmations()(write=False) as store:
        return store.challenge(f"job-{name}") is not None


def test_jobs_queued_among_requests_run_in_arrival_order_in_the_same_group_and_commit(
    backend: Backend, writer: HeldWriter, service: CustodyService
) -> None:
    heads, commits = backend.heads_ok(), _commit_records(backend)
    _, outcomes = in_one_group(
        service,
        writer,
        [
            lambda: service.execute(_correct("before the jobs"), channel=WEB),
            lambda: service.run_job(_store("a")),  # type: ignore[arg-type, return-value]
            lambda: service.execute(_correct("between the jobs"), channel=WEB),
            lambda: service.run_job(_store("b")),  # type: ignore[arg-type, return-value]
        ],
    )
    first, a, second, b = outcomes
    assert isinstance(first, Accepted) and isinstance(second, Accepted), outcomes
    assert (a, b) == ("a", "b")
    assert first.head == second.head  # one head for the requests and the jobs around them
    assert _stored(backend, "a") and _stored(backend, "b")
    assert backend.heads_ok() == heads + 2  # the leader's group, and this one
    assert _commit_records(backend) == commits + 2
    assert service.state(DEMO) == _replay_log(backend)


def test_a_group_of_jobs_that_append_nothing_commits_without_a_commit_record_or_a_head(
    backend: Backend, writer: HeldWriter, service: CustodyService
) -> None:
    size, heads = len(backend.entries()), backend.heads_ok()
    _, outcomes = in_one_group(
        service,
        writer,
        [lambda n=n: service.run_job(_store(n)) for n in "xyz"],  # type: ignore[misc, arg-type]
    )
    assert outcomes == ["x", "y", "z"]
    assert all(_stored(backend, n) for n in "xyz")
    assert len(backend.entries()) == size + 2  # the leader's correction and commit record
    assert backend.heads_ok() == heads + 1  # the leader's head only


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_job_that_raises_is_undone_alone_and_the_rest_of_its_group_commits(
    backend: Backend, writer: HeldWriter, service: CustodyService
) -> None:
    _, outcomes = in_one_group(
        service,
        writer,
        [
            lambda: service.run_job(_store("kept")),  # type: ignore[arg-type, return-value]
            lambda: service.run_job(_store("undone", fail=True)),  # type: ignore[arg-type, return-value]
            lambda: service.execute(_correct("after the failed job"), channel=WEB),
        ],
    )
    kept, failed, after = outcomes
    assert kept == "kept"
    assert isinstance(failed, ValueError) and "undone failed" in str(failed)
    assert isinstance(after, Accepted), outcomes
    assert _stored(backend, "kept")
    assert not _stored(backend, "undone")  # its savepoint rolled back its write
    assert service.state(DEMO) == _replay_log(backend)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_job_that_raises_after_appending_to_the_log_fails_its_whole_group(
    backend: Backend, writer: HeldWriter, service: CustodyService
) -> None:
    def appends_then_fails(tx: GroupTransaction, now: object) -> None:
        tx.accounts().add_event(AuthEvent(at=NOW, kind=AuthEventKind.PIN_OK, detail="half"))
        raise ValueError("failed after its security record")

    leader, outcomes = in_one_group(
        service,
        writer,
        [
            lambda: service.execute(_correct("in the broken group"), channel=WEB),
            lambda: service.run_job(appends_then_fails),  # type: ignore[arg-type, return-value]
            lambda: service.run_job(_store("in the broken group")),  # type: ignore[arg-type, return-value]
        ],
    )
    assert isinstance(leader, Accepted)
    assert all(isinstance(o, GroupBroken) for o in outcomes), outcomes
    assert len(backend.entries()) == leader.head.tree_size  # nothing of the group written
    assert not _stored(backend, "in the broken group")
    assert backend.heads_ok()
    assert service.state(DEMO) == _replay_log(backend)


def _security_records(backend: Backend) -> list[str]:
    return [
        str(entry)
        for entry in backend.entries()
        if not is_event_entry(entry) and b'"record":"security"' in entry
    ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_pin_checks_and_confirmations_through_the_writer_are_recorded_under_the_groups_head(
    backend: Backend, service: CustodyService
) -> None:
    assert backend.engine is not None and backend.confirmations is not None
    accounts = AccountService(
        SqlAccountTransactions(backend.engine, backend.key),
        service.clock,
        Argon2Hasher.cheap(),
        writer=service.run_job,
    )
    accounts.create_user(
        login="dana",
        display_name="Dana Ortiz",
        person_id=DANA,
        password="a long password 1",
        pin="4821",
    )
    confirming = ConfirmationService(backend.confirmations(), accounts, service.clock)
    heads, records = backend.heads_ok(), len(_security_records(backend))

    challenge = _challenge("pin")
    service.run_job(lambda tx, _now: tx.confirmations().add_challenge(challenge))
    with pytest.raises(PinRefused):  # committed first, then raised
        accounts.verify_pins([(DANA, "0000")], production=DEMO)
    failed = [e for e in accounts.events() if e.kind == AuthEventKind.PIN_FAILED]
    assert len(failed) == 1 and DEMO in failed[0].detail
    assert len(_security_records(backend)) == records + 1
    assert backend.heads_ok() == heads + 1  # the wrong PIN's record, sealed by a group head

    given = confirming.confirm(DEMO, challenge.id, DANA, "4821")
    assert confirming.given(challenge.id, [given.id]) == {given.id: PersonId(DANA)}
    assert [e.kind for e in accounts.events()][-1] == AuthEventKind.PIN_OK
    assert len(_security_records(backend)) == records + 2
    assert backend.heads_ok() == heads + 2  # the right PIN and its confirmation: one group

    with pytest.raises(Exception, match="not accepted"):  # nothing given for a wrong PIN
        confirming.confirm(DEMO, challenge.id, DANA, "1111")
    assert len([e for e in accounts.events() if e.kind == AuthEventKind.PIN_FAILED]) == 2
    with backend.confirmations()(write=False) as store:
        assert [c.id for c in store.confirmations_of(challenge.id)] == [given.id]
