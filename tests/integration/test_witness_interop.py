"""coldcheck's served witness and a log written from the documents (tests/c2sp_reference.py).

The reference builds its own notes, Merkle proofs and add-checkpoint bodies; coldcheck's
witness, served by uvicorn, must cosign them, and the reference must accept the cosignatures.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.witness.setup import init_witness
from tests import c2sp_reference as ref
from tests.integration.witness_support import WitnessProcess, start_witness

ORIGIN = "reference-log.example/tree/1"
KEY = Ed25519PrivateKey.from_private_bytes(b"\x55" * 32)
ENTRIES = [f"entry {i}".encode() for i in range(50)]


def _note(entries: list[bytes]) -> tuple[bytes, str]:
    text = ref.checkpoint_text(ORIGIN, len(entries), ref.mth(entries))
    return ref.sign_note_ed25519(text, ORIGIN, KEY), text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WitnessProcess, str]]:
    data = tmp_path_factory.mktemp("witness")
    report = init_witness(data, "witness.studio.example/w1")
    log_vkey = ref.vkey(ORIGIN, 0x01, ref.raw_public(KEY))
    server = start_witness(data, log_vkey)
    try:
        yield server, report.vkey
    finally:
        server.stop()


def test_coldcheck_s_witness_cosigns_what_the_reference_log_submits(
    served: tuple[WitnessProcess, str],
) -> None:
    server, witness_vkey = served
    witness = ref.parse_vkey(witness_vkey)
    old = 0
    with httpx.Client(base_url=server.url, timeout=10) as http:
        for size in [1, 2, 5, 8, 8, 21, 50]:
            note, _ = _note(ENTRIES[:size])
            body = ref.add_checkpoint_body(old, ref.consistency(old, ENTRIES[:size]), note)
            r = http.post("/add-checkpoint", content=body)
            assert r.status_code == 200, (old, size, r.text)
            found = ref.cosignatures(note + r.content, [witness])
            assert list(found) == [witness.name] and found[witness.name] > 1_700_000_000
            old = size
        # a rewrite signed with the log's own key is refused, whatever proof comes with it
        forged = [*ENTRIES[:10], b"rewritten", *ENTRIES[11:], b"more"]
        note, _ = _note(forged)
        body = ref.add_checkpoint_body(50, ref.consistency(50, forged), note)
        assert http.post("/add-checkpoint", content=body).status_code == 422
        # and the same size with another root
        note, _ = _note(forged[:50])
        r = http.post("/add-checkpoint", content=ref.add_checkpoint_body(50, [], note))
        assert (r.status_code, r.content) == (409, b"50\n")
