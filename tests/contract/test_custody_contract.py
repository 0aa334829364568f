"""The custody contract: one specification run on memory, SQLite and PostgreSQL.

The service decides, then appends events, ledger leaves, stored hashes,
read-table rows and a signed head in one transaction — or nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.adapters.memory import MemoryDatabase, MemoryUnitOfWorkFactory
from coldcheck.adapters.memory_accounts import MemoryAccountTransactions
from coldcheck.adapters.sql import migrate, store
from coldcheck.adapters.sql.confirmation_store import SqlConfirmationTransactions
from coldcheck.adapters.sql.engine import make_engine
from coldcheck.adapters.sql.ledger_store import SqlLedger
from coldcheck.adapters.sql.store import SqlUnitOfWorkFactory
from coldcheck.adapters.sql.tables import lot_view, weapon_view
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId, WeaponId
from coldcheck.domain.mechanics import ActionType, RoundState, inspection_checklist
from coldcheck.domain.model import BoreFinding, Finding
from coldcheck.domain.state import ProductionState, replay
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.heads import public_key_raw, verify_head
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.records import is_event_entry
from coldcheck.service import demo, views
from coldcheck.service.accounts import AccountService
from coldcheck.service.confirmations import ConfirmationService
from coldcheck.service.custody import CustodyService
from coldcheck.service.envelope import Channel, decode_entry
from coldcheck.service.errors import Refused, Unconfirmed
from coldcheck.service.ports import ConfirmationTransactions, FixedClock, UnitOfWorkFactory
from tests.pg import fresh_pg_schema, pg_url_or_skip

NOW = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
DEMO = demo.PRODUCTION
MARA, DANA, ROSA = PersonId("mara-voss"), PersonId("dana-ortiz"), PersonId("rosa-lind")
W2 = WeaponId("W-0002")


@dataclass
class Backend:
    """A storage backend: how to open units of work, and how to read its log back."""

    name: str
    key: Ed25519PrivateKey
    factory: Callable[[], UnitOfWorkFactory]
    entries: Callable[[], list[bytes]]
    heads_ok: Callable[[], int]
    engine: Engine | None = None
    confirmations: Callable[[], ConfirmationTransactions] | None = None


def _sql_backend(name: str, engine: Engine, key: Ed25519PrivateKey) -> Backend:
    migrate.upgrade(engine)

    def entries() -> list[bytes]:
        with engine.connect() as conn:
            ledger = SqlLedger(conn)
            size = ledger.size()
            out: list[bytes] = []
            for start in range(0, size, 1000):
                out += [e.entry for e in ledger.entries(start, min(size, start + 1000))]
            return out

    def heads_ok() -> int:
        with engine.connect() as conn:
            ledger = SqlLedger(conn)
            heads = list(ledger.heads())
            for head in heads:
                verify_head(head, public_key_raw(key))
                assert ledger.root(head.tree_size) == head.root_hash
            return len(heads)

    return Backend(
        name,
        key,
        lambda: SqlUnitOfWorkFactory(engine, key),
        entries,
        heads_ok,
        engine,
        lambda: SqlConfirmationTransactions(engine),
    )


@contextmanager
def _backend(name: str, tmp_path: Path) -> Iterator[Backend]:
    key = Ed25519PrivateKey.generate()
    if name == "memory":
        db = MemoryDatabase(key=key)

        def heads_ok() -> int:
            for head in db.heads:
                verify_head(head, public_key_raw(key))
                nodes = MemoryHashStore()
                nodes.append([leaf_hash(e) for e in db.entries[: head.tree_size]])
                assert MerkleLog(nodes).root(head.tree_size) == head.root_hash
            return len(db.heads)

        yield Backend(
            name,
            key,
            lambda: MemoryUnitOfWorkFactory(db),
            lambda: db.entries,
            heads_ok,
            confirmations=lambda: db.confirmations,
        )
    elif name == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'contract.sqlite3'}")
        try:
            yield _sql_backend(name, engine, key)
        finally:
            engine.dispose()
    else:
        with fresh_pg_schema(pg_url_or_skip(), prefix="custody") as engine:
            yield _sql_backend(name, engine, key)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with _backend(request.param, tmp_path) as b:
        yield b


ACCOUNTS: dict[int, AccountService] = {}


def _accounts() -> AccountService:
    return AccountService(MemoryAccountTransactions(), FixedClock(NOW), Argon2Hasher.cheap())


@pytest.fixture
def service(backend: Backend) -> CustodyService:
    """A custody service with the demo production loaded, on a fixed clock."""
    svc = CustodyService(backend.factory(), FixedClock(NOW))
    accounts = _accounts()
    demo.load_demo(svc, accounts, NOW)
    ACCOUNTS[id(svc)] = accounts
    assert isinstance(svc.clock, FixedClock)
    svc.clock.set(NOW + timedelta(hours=1))
    return svc


def _confirmed(
    backend: Backend, service: CustodyService, command: c.Command, *people: PersonId
) -> list[str]:
    """Confirmations of ``command`` by ``people``, given against a challenge (demo PINs)."""
    assert backend.confirmations is not None
    pins = {p.person: p.pin for p in demo.PEOPLE}
    confirming = ConfirmationService(backend.confirmations(), ACCOUNTS[id(service)], service.clock)
    issued = confirming.challenge(service.state(DEMO), command)
    return [confirming.confirm(DEMO, issued.challenge.id, p, pins[p]).id for p in people]


def _inspect(weapon: WeaponId = W2) -> c.InspectWeapon:
    action = ActionType.DOUBLE_ACTION_REVOLVER
    return c.InspectWeapon(
        production=DEMO,
        actor=MARA,
        at=NOW,
        weapon=weapon,
        findings=tuple(Finding(f"chamber {i}", RoundState.EMPTY) for i in range(1, 7)),
        bore=BoreFinding.CLEAR,
        checklist=inspection_checklist(action),
    )


def _handover(weapon: WeaponId = W2) -> c.HandOver:
    return c.HandOver(
        production=DEMO,
        actor=MARA,
        at=NOW,
        weapon=weapon,
        to=ROSA,
        confirmations=frozenset({ROSA, DANA}),
    )


def _replay_log(backend: Backend) -> ProductionState:
    events = [decode_entry(e)[1] for e in backend.entries() if is_event_entry(e)]
    return replay(DEMO, [e for e in events if e.production == DEMO])


def test_state_after_commands_equals_a_replay_of_the_log(
    backend: Backend, service: CustodyService
) -> None:
    service.execute(
        c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2), channel=Channel.web()
    )
    service.execute(_inspect(), channel=Channel.web())
    service.execute(_handover(), channel=Channel.web())
    assert service.state(DEMO) == _replay_log(backend)


def test_log_positions_are_contiguous_and_every_head_verifies(
    backend: Backend, service: CustodyService
) -> None:
    entries = backend.entries()
    positions = [decode_entry(e)[0] if is_event_entry(e) else json.loads(e)["seq"] for e in entries]
    assert positions == list(range(len(entries)))
    assert backend.heads_ok() >= 1


def test_a_refused_command_writes_nothing(backend: Backend, service: CustodyService) -> None:
    before = len(backend.entries())
    with pytest.raises(Refused) as refused:
        service.execute(_handover(), channel=Channel.web())  # still in storage, not inspected
    assert "R10" in {r.rule for r in refused.value.reasons}
    assert len(backend.entries()) == before
    assert service.state(DEMO) == _replay_log(backend)


def test_a_new_process_sees_the_same_state(backend: Backend, service: CustodyService) -> None:
    service.execute(
        c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2), channel=Channel.web()
    )
    fresh = CustodyService(backend.factory(), FixedClock(NOW))
    assert fresh.state(DEMO) == service.state(DEMO)


def test_a_failure_while_writing_leaves_nothing_behind(
    backend: Backend, service: CustodyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(backend.entries())
    state_before = service.state(DEMO)

    def boom(*args: object) -> None:
        raise OSError("disk full")

    if backend.name == "memory":
        monkeypatch.setattr("coldcheck.adapters.memory.MemoryUnitOfWork.commit", boom)
    else:
        monkeypatch.setattr(store, "write_views", boom)
    with pytest.raises(OSError):
        service.execute(
            c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2),
            channel=Channel.web(),
        )
    monkeypatch.undo()
    assert len(backend.entries()) == before
    assert service.state(DEMO) == state_before


def test_two_devices_issuing_the_same_weapon_only_one_wins(
    backend: Backend, service: CustodyService
) -> None:
    service.execute(
        c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2), channel=Channel.web()
    )
    service.execute(_inspect(), channel=Channel.web())
    results: list[str] = []
    barrier = threading.Barrier(4)

    def device() -> None:
        barrier.wait()
        try:
            service.execute(_handover(), channel=Channel.web())
            results.append("issued")
        except Refused as exc:
            results.append(",".join(sorted({r.rule for r in exc.reasons})))

    threads = [threading.Thread(target=device) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results.count("issued") == 1, results
    handed = [e for e in backend.entries() if b'"WeaponHandedOver"' in e]
    assert len([e for e in handed if b'"W-0002"' in e]) == 2  # yesterday's demo + this one


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_read_tables_equal_the_rows_of_a_replay(backend: Backend, service: CustodyService) -> None:
    assert backend.engine is not None  # only the SQL backends keep read tables
    service.execute(
        c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2), channel=Channel.web()
    )
    replayed = _replay_log(backend)
    with backend.engine.connect() as conn:
        stored = {r.tag: r.label for r in conn.execute(select(weapon_view))}
        lots = {r.tag: r.in_store for r in conn.execute(select(lot_view))}
        assert conn.execute(select(func.count()).select_from(weapon_view)).scalar() == 5
    assert stored == {w: views.weapon_row(replayed, w)["label"] for w in replayed.weapons}
    assert lots == {lot: views.lot_row(replayed, lot)["in_store"] for lot in replayed.lots}


def test_a_correction_names_an_event_of_this_production_by_log_position_R27(
    backend: Backend, service: CustodyService
) -> None:
    accepted = service.execute(
        c.Correct(production=DEMO, actor=MARA, at=NOW, corrects=3, reason="name misspelled"),
        channel=Channel.web(),
    )
    assert accepted.events[0].corrects == 3  # type: ignore[union-attr]
    size = len(backend.entries())
    with pytest.raises(Refused) as refused:
        service.execute(
            c.Correct(production=DEMO, actor=MARA, at=NOW, corrects=size + 10, reason="x"),
            channel=Channel.web(),
        )
    assert refused.value.reasons[0].rule == "R27"


def test_a_batch_is_all_or_nothing_and_names_the_refused_command(
    backend: Backend, service: CustodyService
) -> None:
    before = len(backend.entries())
    take_out = c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2)
    with pytest.raises(Refused) as refused:
        service.execute_batch([take_out, _handover()], channel=Channel.web())  # not inspected: R10
    assert refused.value.reasons[0].message.startswith("command 2 of 2:")
    assert len(backend.entries()) == before
    accepted = service.execute_batch([take_out, _inspect(), _handover()], channel=Channel.web())
    assert [e.type_name for e in accepted.events] == [
        "WeaponTakenOut",
        "InspectionRecorded",
        "WeaponHandedOver",
    ]
    assert accepted.head.tree_size == before + 4  # three events and the commit record
    assert service.state(DEMO) == _replay_log(backend)


# -- confirmations bound to their command (issue 19) ------------------------------------


def _asked_handover() -> c.HandOver:
    return c.HandOver(production=DEMO, actor=MARA, at=NOW, weapon=W2, to=ROSA)


def test_a_confirmation_is_consumed_with_the_command_and_never_again(
    backend: Backend, service: CustodyService
) -> None:
    service.execute(
        c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2), channel=Channel.web()
    )
    service.execute(_inspect(), channel=Channel.web())
    ids = _confirmed(backend, service, _asked_handover(), ROSA, DANA)
    accepted = service.execute(_asked_handover(), ids, channel=Channel.web())
    assert accepted.events[0].witnesses == (DANA, ROSA)
    assert backend.confirmations is not None
    with backend.confirmations()(write=False) as store:
        used = store.confirmations(ids)
    assert {conf.consumed_seq for conf, _ in used} == {accepted.seqs[0]}
    before = len(backend.entries())
    with pytest.raises(Unconfirmed):
        service.execute(_asked_handover(), ids, channel=Channel.web())
    assert len(backend.entries()) == before


def test_a_failed_write_leaves_the_confirmations_unused(
    backend: Backend, service: CustodyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.execute(
        c.TakeOutOfStorage(production=DEMO, actor=MARA, at=NOW, weapon=W2), channel=Channel.web()
    )
    service.execute(_inspect(), channel=Channel.web())
    ids = _confirmed(backend, service, _asked_handover(), ROSA, DANA)

    def boom(*args: object) -> None:
        raise OSError("disk full")

    if backend.name == "memory":
        monkeypatch.setattr("coldcheck.adapters.memory.MemoryUnitOfWork.seal", boom)
    else:
        monkeypatch.setattr(store, "write_views", boom)
    with pytest.raises(OSError):
        service.execute(_asked_handover(), ids, channel=Channel.web())
    monkeypatch.undo()
    service.execute(
        _asked_handover(), ids, channel=Channel.web()
    )  # nothing was used up: they still count, once


# -- weapon photos (issue 18, part 5): the entry and its bytes, together or not at all ------


def _stored_photo(backend: Backend, sha256: str) -> bytes | None:
    with backend.factory()(write=False) as uow:
        blob = uow.photos().get(sha256)
    return None if blob is None else blob.data


def test_a_photo_is_written_with_its_entry_and_served_back_checked(
    backend: Backend, service: CustodyService
) -> None:
    from coldcheck.service.photos import PhotoService
    from tests.photos import png

    photos = PhotoService(service, backend.factory())
    data = png(32, 20)
    taken = photos.take(DEMO, MARA, W2, data, "serial side", channel=Channel.web())
    (event,) = taken.accepted.events
    assert getattr(event, "sha256", None) == taken.facts.sha256
    assert _stored_photo(backend, taken.facts.sha256) == data
    assert photos.photo(DEMO, W2, taken.facts.sha256).data == data
    assert _replay_log(backend).weapons[W2].photo == service.state(DEMO).weapons[W2].photo


def test_a_photo_the_rules_refuse_leaves_neither_entry_nor_bytes(
    backend: Backend, service: CustodyService
) -> None:
    from coldcheck.service.photos import PhotoService
    from tests.photos import png

    photos = PhotoService(service, backend.factory())
    data = png(shade=7)
    before = len(backend.entries())
    with pytest.raises(Refused) as refused:
        photos.take(DEMO, ROSA, W2, data, channel=Channel.web())  # a performer
    assert refused.value.refusal.rules == ("AUTH",)
    assert len(backend.entries()) == before
    assert _stored_photo(backend, _sha(data)) is None


def test_the_same_photo_twice_is_two_entries_and_one_blob(
    backend: Backend, service: CustodyService
) -> None:
    from coldcheck.service.photos import PhotoService
    from tests.photos import png

    photos = PhotoService(service, backend.factory())
    data = png(shade=3)
    photos.take(DEMO, MARA, W2, data, channel=Channel.web())
    photos.take(DEMO, MARA, W2, data, "again", channel=Channel.web())
    assert len(service.state(DEMO).weapons[W2].photos) == 2
    if backend.engine is not None:
        from coldcheck.adapters.sql.photo_store import photo_blobs

        with backend.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(photo_blobs)).scalar() == 1
    assert _stored_photo(backend, _sha(data)) == data


def test_a_photo_command_is_never_recorded_without_the_bytes_it_names(
    service: CustodyService,
) -> None:
    command = c.PhotographWeapon(
        production=DEMO,
        actor=MARA,
        at=NOW,
        weapon=W2,
        sha256="0" * 64,
        byte_size=10,
        media_type="image/png",
    )
    with pytest.raises(ValueError, match="with its bytes"):
        service.execute(command, channel=Channel.web())


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
