"""The set node and its witnesses: checkpoints go out, cosignatures come back, forks show.

Two witnesses the set node did not write: the reference implementation written in the
tests from c2sp.org/tlog-witness alone (``tests/c2sp_reference.RefWitness``), and the real
``coldcheck witness serve`` program in its own process on a free port. The attack: the
production rewrites its history *with* the log key (every hash and head re-signed);
nothing in its own data folder can tell, but the witness refuses the next checkpoint and
``coldcheck verify --witness`` names the tree the witness holds.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from coldcheck.adapters import keyfile
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.ids import ProductionId, ReportId
from coldcheck.entrypoints.http import create_app
from coldcheck.ledger.cosignature import CosignatureSigner
from coldcheck.ledger.witness_protocol import ADD_CHECKPOINT_PATH
from coldcheck.service.envelope import Channel
from coldcheck.service.ports import FixedClock
from coldcheck.service.witnessing import WitnessAnswer, WitnessUnreachable
from tests import c2sp_reference as ref
from tests.attacks import first_entry_holding, rewrite_with_key
from tests.conftest import run_cli
from tests.integration.witness_support import WitnessProcess, start_witness

DEMO = ProductionId("dry-gulch")
W_KEY = Ed25519PrivateKey.from_private_bytes(b"\x33" * 32)
W_NAME = "witness.studio.example/ref"
W_VKEY = CosignatureSigner(W_NAME, W_KEY).vkey


class RefClient:
    """A ``WitnessClient`` that hands the bytes to the reference witness (or fails)."""

    def __init__(self, witness: ref.RefWitness) -> None:
        self.witness = witness
        self.down = False
        self.bodies: list[bytes] = []

    def add_checkpoint(self, url: str, body: bytes) -> WitnessAnswer:
        if self.down:
            raise WitnessUnreachable("no route to host")
        self.bodies.append(body)
        status, kind, answer = self.witness.add_checkpoint(body)
        return WitnessAnswer(status, kind, answer)

    def latest_checkpoint(self, url: str, origin: str) -> bytes:
        raise WitnessUnreachable("the reference witness has no monitoring endpoint")


def _data(demo_data: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(demo_data, data)
    return data


def _report(app: App, words: str = "a loose round near the cart") -> None:
    app.custody.execute(
        c.FileSafetyReport(
            production=DEMO,
            actor=None,
            at=app.clock.now(),
            report=ReportId(""),
            text=words,
            anonymous=True,
        ),
        channel=Channel.web(),
    )


@pytest.fixture
def set_node(demo_data: Path, tmp_path: Path) -> Iterator[tuple[App, RefClient]]:
    data = _data(demo_data, tmp_path)
    app = build(
        Settings.from_env(
            {"COLDCHECK_DATA": str(data), "COLDCHECK_WITNESSES": f"{W_VKEY}@http://ref.invalid"}
        )
    )
    witness = ref.RefWitness(
        W_NAME, W_KEY, {app.identity.origin: [ref.parse_vkey(app.identity.vkey)]}
    )
    client = RefClient(witness)
    app.witnessing._client = client  # the one port swapped: the reference witness answers
    try:
        yield app, client
    finally:
        app.close()


def test_a_witness_written_from_the_documents_cosigns_the_set_nodes_checkpoints(
    set_node: tuple[App, RefClient],
) -> None:
    app, client = set_node
    assert app.witnessing.submit_due() == [
        f"{W_NAME} cosigned tree size {app.reads.ledger_head().tree_size}"
    ]  # type: ignore[union-attr]
    first = app.reads.ledger_head()
    _report(app)
    said = app.witnessing.submit_due()
    head = app.reads.ledger_head()
    assert head is not None
    assert said == [f"{W_NAME} cosigned tree size {head.tree_size}"]
    assert client.bodies[-1].startswith(f"old {first.tree_size}\n".encode())
    # what GET /api/v1/ledger/checkpoint serves, checked by the reference implementation
    served = TestClient(create_app(app)).get("/api/v1/ledger/checkpoint")
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    note = served.content
    text = ref.verify_note(note, [ref.parse_vkey(app.identity.vkey)])
    assert ref.parse_checkpoint(text).size == head.tree_size
    assert ref.cosignatures(note, [ref.parse_vkey(W_VKEY)]) == {W_NAME: client.witness.clock}
    key = TestClient(create_app(app)).get("/api/v1/ledger/key").json()
    assert key["vkey"] == app.identity.vkey and key["origin"] == app.identity.origin


def test_a_witness_that_cannot_be_reached_is_tried_again_later_and_the_board_says_so(
    set_node: tuple[App, RefClient],
) -> None:
    app, client = set_node
    client.down = True
    said = app.witnessing.submit_due()
    assert "cannot reach" in said[0] and "next try in 2 s" in said[0]
    assert app.witnessing.submit_due() == []  # not before its back-off
    fresh = app.witnessing.freshness()
    assert fresh is not None and fresh.stale and "No witness has cosigned" in fresh.words
    client.down = False
    app.witnessing._store.save_status(  # the back-off has passed
        app.witnessing.statuses()[0][1].__class__(W_VKEY, "http://ref.invalid", failures=1)
    )
    assert "cosigned" in app.witnessing.submit_due()[0]
    fresh = app.witnessing.freshness()
    assert fresh is not None and not fresh.stale and fresh.words.startswith("Witnessed:")


def test_the_board_says_when_the_witnesses_are_an_hour_of_activity_behind(
    set_node: tuple[App, RefClient],
) -> None:
    app, client = set_node
    app.witnessing.submit_due()
    client.down = True
    clock = FixedClock(datetime.now(UTC) + timedelta(hours=2))
    app.custody.clock = clock
    _report(app)
    fresh = app.witnessing.freshness()
    assert fresh is not None and fresh.stale
    assert "Witnesses behind" in fresh.words and "2 h" in fresh.words


def test_a_witness_that_holds_a_size_this_log_signed_is_resubmitted_from_there(
    set_node: tuple[App, RefClient],
) -> None:
    app, client = set_node
    app.witnessing.submit_due()
    _report(app)
    app.witnessing._store.forget(W_VKEY)  # the set node lost what it knew (e.g. a restore)
    said = app.witnessing.submit_due()
    assert "cosigned" in said[0], said
    assert client.bodies[-2].startswith(b"old 0\n")  # answered 409 with its size


def test_a_rewrite_signed_with_the_log_key_is_a_fork_every_screen_shows(
    set_node: tuple[App, RefClient],
) -> None:
    app, _ = set_node
    app.witnessing.submit_due()
    data = app.settings.data_dir
    at = first_entry_holding(data, b"mara-voss")
    rewrite_with_key(data, keyfile.load_key(app.settings.key_path), at, b"mara-voss", b"eli-tran")
    app.uow.cache.clear()  # type: ignore[attr-defined]
    _report(app)  # the server cannot tell: it holds the key
    said = app.witnessing.submit_due()
    assert said[0].startswith("FORK: ") and "refused the consistency proof" in said[0]
    alert = app.witnessing.fork_alert()
    assert alert is not None and alert.startswith("LOG FORKED OR REWRITTEN")
    page = TestClient(create_app(app)).get("/signin")
    assert "WITNESS ALERT" in page.text and "LOG FORKED OR REWRITTEN" in page.text
    assert app.witnessing.submit_due() == []  # a forked witness is not asked again


@pytest.fixture(scope="module")
def real_witness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("witness")
    made = run_cli("witness", "init", "--name", "witness.insurer.example/real", data=folder)
    yield folder, made.stdout.strip().splitlines()[-1]


def test_the_real_witness_program_cosigns_and_then_catches_a_rewrite_made_with_the_key(
    demo_data: Path, tmp_path: Path, real_witness: tuple[Path, str]
) -> None:
    folder, witness_vkey = real_witness
    data = _data(demo_data, tmp_path)
    log_vkey = run_cli("key", data=data).stdout.strip()
    process: WitnessProcess = start_witness(folder, log_vkey)
    try:
        run_cli("witnesses", "add", witness_vkey, process.url, data=data)
        app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}))
        try:
            said = app.witnessing.submit_due()
            assert said and "cosigned" in said[0], said
            assert process.url.startswith("http://127.0.0.1:")
            ok = run_cli("verify", "--witness", process.url, data=data)
            assert "cosigned by witness.insurer.example/real" in ok.stdout
            at = first_entry_holding(data, b"mara-voss")
            rewrite_with_key(
                data, keyfile.load_key(app.settings.key_path), at, b"mara-voss", b"eli-tran"
            )
            app.uow.cache.clear()  # type: ignore[attr-defined]
            _report(app)
            said = app.witnessing.submit_due()
            assert said[0].startswith("FORK: "), said
        finally:
            app.close()
        caught = run_cli("verify", "--witness", process.url, data=data, check=False)
        assert caught.returncode == 1
        assert "does not extend the checkpoint the witness at" in caught.stdout
        held = tmp_path / "held.checkpoint"
        import hashlib

        import httpx

        origin = log_vkey.split("+", 1)[0]
        held.write_bytes(
            httpx.get(
                f"{process.url}/{hashlib.sha256(origin.encode()).hexdigest()}/checkpoint"
            ).content
        )
        from_file = run_cli("verify", "--witness", str(held), data=data, check=False)
        assert from_file.returncode == 1 and "does not extend" in from_file.stdout
        assert ADD_CHECKPOINT_PATH == "/add-checkpoint"
    finally:
        process.stop()
