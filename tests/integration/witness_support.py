"""Helpers for the witness tests: a log that grows, its checkpoints and requests, a witness."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.checkpoint import log_vkey, make_checkpoint_note
from coldcheck.ledger.cosignature import CosignatureSigner
from coldcheck.ledger.hashing import leaf_hash
from coldcheck.ledger.merkle_log import MemoryHashStore, MerkleLog
from coldcheck.ledger.note import Ed25519Verifier
from coldcheck.ledger.witness_protocol import build_add_checkpoint_request
from coldcheck.witness.core import Witness
from coldcheck.witness.state import WitnessStore
from tests.conftest import free_port

ORIGIN = "set-node.dry-gulch.example/coldcheck"
WITNESS_NAME = "witness.insurer.example/w1"


@dataclass
class Log:
    """A log of numbered entries with its key; ``entries`` may be rewritten to fork it."""

    origin: str = ORIGIN
    key: Ed25519PrivateKey = field(
        default_factory=lambda: Ed25519PrivateKey.from_private_bytes(b"\x11" * 32)
    )
    entries: list[bytes] = field(
        default_factory=lambda: [f'{{"seq":{i}}}'.encode() for i in range(64)]
    )

    @property
    def vkey(self) -> str:
        return log_vkey(self.origin, self.key)

    def merkle(self) -> MerkleLog:
        store = MemoryHashStore()
        store.append([leaf_hash(e) for e in self.entries])
        return MerkleLog(store)

    def note(self, size: int) -> bytes:
        return make_checkpoint_note(self.origin, size, self.merkle().root(size), self.key)

    def request(self, old: int, size: int) -> bytes:
        proof = [] if old in (0, size) else self.merkle().consistency_proof(old, size)
        return build_add_checkpoint_request(old, proof, self.note(size))

    def forked(self, index: int) -> Log:
        """The same log, key and origin, with entry ``index`` rewritten."""
        entries = list(self.entries)
        entries[index] = b'{"rewritten":true}'
        return Log(self.origin, self.key, entries)


def witness_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(b"\x22" * 32)


def make_witness(path: Path, log: Log, clock: int = 1_714_550_400) -> Witness:
    store = WitnessStore(path)
    store.create(WITNESS_NAME)
    signer = CosignatureSigner(WITNESS_NAME, witness_key(), clock=lambda: clock)
    return Witness(signer, [Ed25519Verifier.from_vkey(log.vkey)], store, clock=lambda: clock)


@dataclass
class WitnessProcess:
    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_witness(data: Path, *log_vkeys: str) -> WitnessProcess:
    """``python -m coldcheck.witness --data DATA serve --port P --log ...`` on a free port."""
    port = free_port()
    args = [sys.executable, "-m", "coldcheck.witness", "--data", str(data), "serve"]
    args += ["--port", str(port)]
    for vkey in log_vkeys:
        args += ["--log", vkey]
    process = subprocess.Popen(
        args, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise AssertionError(f"witness exited with {process.returncode}: {err}")
        try:
            if httpx.get(f"{url}/", timeout=1).status_code == 200:
                return WitnessProcess(url, process)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("witness did not answer within 30 s")
