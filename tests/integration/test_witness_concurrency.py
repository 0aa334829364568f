"""Racing submissions never roll a witness back (tlog-witness: check and persist atomically)."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from coldcheck.ledger.hashing import EMPTY_ROOT
from coldcheck.ledger.note import parse_note
from coldcheck.witness.core import Answer
from coldcheck.witness.decision import LogState
from coldcheck.witness.setup import init_witness
from coldcheck.witness.state import HeldCheckpoint, WitnessStore
from tests.integration.witness_support import ORIGIN, Log, make_witness, start_witness

LOG = Log()


class RacingStore(WitnessStore):
    """Holds the first two writers at a barrier, so both were judged against the same state."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.barrier = threading.Barrier(2, timeout=10)
        self.calls = 0
        self.lock = threading.Lock()

    def advance(self, expected: LogState | None, new: HeldCheckpoint) -> bool:
        with self.lock:
            self.calls += 1
            first_two = self.calls <= 2
        if first_two:
            self.barrier.wait()
        return super().advance(expected, new)


def _race(tmp_path: Path, first: bytes, second: bytes) -> tuple[Answer, Answer, WitnessStore]:
    witness = make_witness(tmp_path / "w.sqlite3", LOG)
    assert witness.add_checkpoint(LOG.request(0, 8)).status == 200
    store = RacingStore(witness.store.path)
    witness.store = store
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(witness.add_checkpoint, first)
        b = pool.submit(witness.add_checkpoint, second)
        return a.result(), b.result(), store


@pytest.mark.parametrize("repeat", range(5))
def test_of_two_submissions_judged_against_the_same_state_only_one_is_cosigned(
    tmp_path: Path, repeat: int
) -> None:
    small, large = LOG.request(8, 10), LOG.request(8, 20)
    a, b, store = _race(tmp_path, small, large)
    statuses = sorted([a.status, b.status])
    assert statuses == [200, 409], (a, b)
    winner = 10 if a.status == 200 else 20
    held = store.held(ORIGIN)
    assert held is not None and held.tree_size == winner
    loser = b if a.status == 200 else a
    assert loser.body == f"{winner}\n".encode()  # told the size that won, never rolled back


def test_the_spec_s_race_cannot_roll_back_k_leaves(tmp_path: Path) -> None:
    # tlog-witness: A (size N) and B (size N+K) both checked; B stored; then A must not be.
    witness = make_witness(tmp_path / "w.sqlite3", LOG)
    assert witness.add_checkpoint(LOG.request(0, 8)).status == 200
    held = witness.store.held(ORIGIN)
    assert held is not None
    b = HeldCheckpoint(ORIGIN, 20, LOG.merkle().root(20), LOG.note(20), 1)
    a = HeldCheckpoint(ORIGIN, 10, LOG.merkle().root(10), LOG.note(10), 1)
    assert witness.store.advance(held.state, b)
    assert not witness.store.advance(held.state, a)
    assert witness.store.held(ORIGIN).tree_size == 20  # type: ignore[union-attr]


def test_the_store_refuses_to_move_to_a_smaller_size_even_when_asked_directly(
    tmp_path: Path,
) -> None:
    store = WitnessStore(tmp_path / "w.sqlite3")
    store.create("w.example/1")
    first = HeldCheckpoint(ORIGIN, 5, LOG.merkle().root(5), LOG.note(5), 1)
    assert store.advance(None, first)
    assert not store.advance(None, first)  # a second "first" loses
    with pytest.raises(ValueError, match="never rolls"):
        store.advance(first.state, HeldCheckpoint(ORIGIN, 3, LOG.merkle().root(3), LOG.note(3), 1))
    assert store.held(ORIGIN) == first


def test_an_empty_tree_state_is_held_like_any_other(tmp_path: Path) -> None:
    store = WitnessStore(tmp_path / "w.sqlite3")
    store.create("w.example/1")
    empty = HeldCheckpoint(ORIGIN, 0, EMPTY_ROOT, LOG.note(0), 1)
    assert store.advance(None, empty)
    assert store.advance(
        LogState(0, EMPTY_ROOT), HeldCheckpoint(ORIGIN, 4, LOG.merkle().root(4), LOG.note(4), 2)
    )


def test_many_clients_over_http_never_see_the_witness_go_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init_witness(data, "witness.insurer.example/w1")
    server = start_witness(data, LOG.vkey)
    merkle = LOG.merkle()
    notes = {n: LOG.note(n) for n in range(1, 65)}
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    cosigned: list[int] = []
    seen: list[int] = []
    stop = threading.Event()
    rng = random.Random(13)
    plans = [[rng.randrange(1, 65) for _ in range(12)] for _ in range(6)]

    def submitter(targets: list[int]) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            old = 0
            for target in targets:
                for _ in range(4):  # follow 409s to the witness's size, as a log would
                    if target < old:
                        break
                    proof = [] if old in (0, target) else merkle.consistency_proof(old, target)
                    body = (
                        f"old {old}\n".encode()
                        + b"".join(_b64(h) for h in proof)
                        + b"\n"
                        + notes[target]
                    )
                    r = http.post("/add-checkpoint", content=body)
                    if r.status_code == 200:
                        cosigned.append(target)
                        old = target
                        break
                    assert r.status_code == 409, r.text
                    old = int(r.text)

    def monitor() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            while not stop.is_set():
                r = http.get(f"/{origin_hash}/checkpoint")
                if r.status_code == 200:
                    seen.append(int(parse_note(r.content).text.split("\n")[1]))
                time.sleep(0.005)

    try:
        watcher = threading.Thread(target=monitor)
        watcher.start()
        with ThreadPoolExecutor(len(plans)) as pool:
            list(pool.map(submitter, plans))
        stop.set()
        watcher.join(10)
        final = httpx.get(f"{server.url}/{origin_hash}/checkpoint", timeout=10)
    finally:
        stop.set()
        server.stop()
    final_size = int(parse_note(final.content).text.split("\n")[1])
    assert cosigned, "no submission was cosigned"
    assert final_size == max(cosigned)
    assert seen == sorted(seen), "a monitor saw the witness's checkpoint go back"


def _b64(h: bytes) -> bytes:
    import base64

    return base64.b64encode(h) + b"\n"
