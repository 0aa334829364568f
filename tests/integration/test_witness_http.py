"""The witness's POST /add-checkpoint, status by status, as c2sp.org/tlog-witness v1.0.0 says.

In-process over ASGI (Starlette's test client); the same app is served by uvicorn in
test_witness_cli.py.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

with warnings.catch_warnings():  # Starlette asks for httpx2 here; httpx is what the lock pins
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from coldcheck.ledger.cosignature import CosignatureVerifier
from coldcheck.ledger.note import Ed25519Signer, NoteSignature, parse_note, sign_note
from coldcheck.ledger.witness_protocol import (
    MAX_REQUEST_BYTES,
    build_add_checkpoint_request,
    parse_tree_size_body,
    verified_cosignatures,
)
from coldcheck.witness.app import create_app
from coldcheck.witness.core import Witness
from coldcheck.witness.state import WitnessStore
from tests.integration.witness_support import ORIGIN, WITNESS_NAME, Log, make_witness

LOG = Log()


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return make_witness(tmp_path / "witness.sqlite3", LOG)


@pytest.fixture
def client(witness: Witness) -> Iterator[TestClient]:
    with TestClient(create_app(witness)) as c:
        yield c


def post(client: TestClient, body: bytes) -> tuple[int, str, bytes]:
    r = client.post("/add-checkpoint", content=body)
    return r.status_code, r.headers.get("content-type", ""), r.content


def test_a_first_checkpoint_with_old_size_zero_is_cosigned(
    client: TestClient, witness: Witness
) -> None:
    status, ctype, body = post(client, LOG.request(0, 5))
    assert status == 200, body
    assert ctype.startswith("text/plain")
    cosigs = verified_cosignatures(LOG.note(5), body, [witness.signer.verifier])
    assert [(c.name, c.timestamp) for c in cosigs] == [(WITNESS_NAME, 1_714_550_400)]
    assert body.startswith("\u2014 ".encode()) and body.endswith(b"\n")


def test_each_extension_with_a_consistency_proof_is_cosigned(client: TestClient) -> None:
    sizes = [1, 2, 3, 4, 7, 8, 9, 16, 17, 63, 64]
    old = 0
    for size in sizes:
        status, _, body = post(client, LOG.request(old, size))
        assert status == 200, (old, size, body)
        old = size


def test_the_same_checkpoint_again_is_cosigned_again(client: TestClient) -> None:
    assert post(client, LOG.request(0, 8))[0] == 200
    assert post(client, LOG.request(8, 8))[0] == 200


def test_an_unknown_origin_is_404(client: TestClient) -> None:
    other = Log(origin="another.example/log")
    status, _, body = post(client, other.request(0, 3))
    assert status == 404
    assert b"another.example/log" in body


def test_a_checkpoint_signed_by_an_untrusted_key_is_403(client: TestClient) -> None:
    impostor = Log(key=Ed25519PrivateKey.from_private_bytes(b"\x33" * 32))
    status, _, body = post(client, impostor.request(0, 3))
    assert status == 403
    assert b"not signed by a key this witness trusts" in body


def test_a_trusted_key_s_bad_signature_is_403_even_beside_a_good_one(
    client: TestClient, witness: Witness
) -> None:
    note = parse_note(LOG.note(3))
    sig = note.signatures[0]
    broken = note.adding([NoteSignature(sig.name, sig.key_id, bytes(64))])
    status, _, _ = post(client, build_add_checkpoint_request(0, [], broken.to_bytes()))
    assert status == 403
    assert witness.store.held(ORIGIN) is None


def test_unknown_signatures_beside_the_log_s_are_ignored(client: TestClient) -> None:
    other = Ed25519Signer("mirror.example/x", Ed25519PrivateKey.from_private_bytes(b"\x44" * 32))
    note = parse_note(LOG.note(3))
    extra = sign_note(note.text, [other]).signatures
    body = build_add_checkpoint_request(0, [], note.adding(extra).to_bytes())
    assert post(client, body)[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello",
        b"old 0\n",
        b"old 01\n\n" + LOG.note(3),
        b"old 0\nAAAA\n\n" + LOG.note(3),
        b"old 0\n\nnot a note\n",
        b"old 0\n\n" + LOG.note(3).replace(b"\xe2\x80\x94 ", b"- "),
    ],
)
def test_malformed_bodies_are_400_and_change_nothing(
    client: TestClient, witness: Witness, body: bytes
) -> None:
    status, _, answer = post(client, body)
    assert status == 400
    assert answer.startswith(b"malformed add-checkpoint request")
    assert witness.store.held(ORIGIN) is None and witness.store.evidence() == []


def test_an_old_size_above_the_checkpoint_size_is_400_and_kept(
    client: TestClient, witness: Witness
) -> None:
    body = b"old 9\n\n" + LOG.note(5)
    status, _, answer = post(client, body)
    assert status == 400
    assert b"larger than" in answer
    assert [e.status for e in witness.store.evidence()] == [400]


def test_an_old_size_that_is_not_the_last_cosigned_is_409_with_that_size(
    client: TestClient,
) -> None:
    assert post(client, LOG.request(0, 8))[0] == 200
    status, ctype, body = post(client, LOG.request(5, 10))
    assert status == 409
    assert ctype == "text/x.tlog.size"  # exactly: no charset parameter
    assert body == b"8\n" and parse_tree_size_body(body) == 8
    # the client resubmits from the size it was told, and is cosigned
    assert post(client, LOG.request(8, 10))[0] == 200


def test_a_client_without_state_learns_the_size_with_old_zero(client: TestClient) -> None:
    assert post(client, LOG.request(0, 8))[0] == 200
    status, ctype, body = post(client, LOG.request(0, 9))
    assert (status, ctype, body) == (409, "text/x.tlog.size", b"8\n")


def test_a_consistency_proof_that_fails_is_422(client: TestClient) -> None:
    assert post(client, LOG.request(0, 8))[0] == 200
    forked = LOG.forked(3)
    status, _, body = post(client, forked.request(8, 12))
    assert status == 422
    assert b"does not verify" in body


def test_a_proof_that_is_not_empty_from_size_zero_is_422(client: TestClient) -> None:
    proof = LOG.merkle().consistency_proof(3, 8)
    status, _, _ = post(
        client, b"old 0\n" + b"".join(_b64line(h) for h in proof) + b"\n" + LOG.note(8)
    )
    assert status == 422


def test_a_size_zero_checkpoint_must_have_the_empty_root(client: TestClient) -> None:
    from coldcheck.ledger.checkpoint import make_checkpoint_note

    bogus = make_checkpoint_note(ORIGIN, 0, b"\x01" * 32, LOG.key)
    assert post(client, build_add_checkpoint_request(0, [], bogus))[0] == 422
    assert post(client, LOG.request(0, 0))[0] == 200


def test_the_same_size_with_another_root_is_409_and_names_that_size(
    client: TestClient, witness: Witness
) -> None:
    assert post(client, LOG.request(0, 8))[0] == 200
    status, ctype, body = post(client, LOG.forked(2).request(8, 8))
    # v1.0.0: 409; the size equals the old size sent, which tells the client it is a fork
    assert (status, ctype, body) == (409, "text/x.tlog.size", b"8\n")
    [kept] = witness.store.evidence()
    assert kept.status == 409 and b"forked" in kept.reason.encode()
    assert kept.held_note is not None and kept.held_size == 8


def test_every_refusal_with_a_valid_log_signature_is_kept_as_fork_evidence(
    client: TestClient, witness: Witness
) -> None:
    assert post(client, LOG.request(0, 8))[0] == 200
    forked = LOG.forked(3)
    rewrite = forked.request(8, 12)
    assert post(client, rewrite)[0] == 422
    assert post(client, rewrite)[0] == 422  # the same body again is counted, not stored twice
    stale = LOG.request(4, 9)
    assert post(client, stale)[0] == 409
    kept = witness.store.evidence(ORIGIN)
    assert [(e.status, e.times_seen) for e in kept] == [(422, 2), (409, 1)]
    assert kept[0].request == rewrite
    assert kept[0].held_size == 8
    # the kept request is the log's own signature over the rewritten tree: proof of the fork
    held_note = parse_note(kept[0].held_note or b"")
    assert held_note.text == parse_note(LOG.note(8)).text


def test_refusals_without_a_valid_log_signature_are_not_kept(
    client: TestClient, witness: Witness
) -> None:
    impostor = Log(key=Ed25519PrivateKey.from_private_bytes(b"\x33" * 32))
    assert post(client, impostor.request(0, 3))[0] == 403
    assert post(client, Log(origin="x.example/y").request(0, 3))[0] == 404
    assert witness.store.evidence() == []


def test_only_post_is_allowed(client: TestClient) -> None:
    assert client.get("/add-checkpoint").status_code == 405
    assert client.put("/add-checkpoint", content=LOG.request(0, 1)).status_code == 405


def test_a_body_over_the_limit_is_413_unread(client: TestClient) -> None:
    r = client.post("/add-checkpoint", content=b"x" * (MAX_REQUEST_BYTES + 1))
    assert r.status_code == 413


def test_the_newest_cosigned_checkpoint_is_served_for_monitors(
    client: TestClient, witness: Witness
) -> None:
    origin_hash = hashlib.sha256(ORIGIN.encode()).hexdigest()
    assert client.get(f"/{origin_hash}/checkpoint").status_code == 404
    assert post(client, LOG.request(0, 8))[0] == 200
    r = client.get(f"/{origin_hash}/checkpoint")
    assert r.status_code == 200
    note = parse_note(r.content)
    assert note.text == parse_note(LOG.note(8)).text
    cosigs = verified_cosignatures(
        LOG.note(8), b"".join(s.line().encode() for s in note.signatures), [witness.signer.verifier]
    )
    assert len(cosigs) == 1
    assert client.get("/" + "0" * 64 + "/checkpoint").status_code == 404
    assert client.get("/NOT-HEX/checkpoint").status_code == 404


def test_the_index_names_the_witness_and_its_logs(client: TestClient, witness: Witness) -> None:
    text = client.get("/").text
    assert f"vkey {witness.vkey}" in text and f"log {ORIGIN}" in text


def test_the_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "witness.sqlite3"
    with TestClient(create_app(make_witness(path, LOG))) as first:
        assert post(first, LOG.request(0, 9))[0] == 200
    again = make_witness(path, LOG, clock=1_714_560_000)
    with TestClient(create_app(again)) as second:
        assert post(second, LOG.request(0, 12))[:3] == (409, "text/x.tlog.size", b"9\n")
        assert post(second, LOG.request(9, 12))[0] == 200
    assert WitnessStore(path).held(ORIGIN).tree_size == 12  # type: ignore[union-attr]


def test_the_cosignature_is_checked_with_the_vkey_the_witness_prints(
    client: TestClient, witness: Witness
) -> None:
    _, _, body = post(client, LOG.request(0, 4))
    verifier = CosignatureVerifier.from_vkey(witness.vkey)
    assert verified_cosignatures(LOG.note(4), body, [verifier])


def _b64line(h: bytes) -> bytes:
    import base64

    return base64.b64encode(h) + b"\n"


def test_evidence_is_bounded_per_origin_and_what_is_past_the_bound_is_counted(
    client: TestClient, witness: Witness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from coldcheck.witness import state

    monkeypatch.setattr(state, "MAX_EVIDENCE_PER_ORIGIN", 2)
    assert post(client, LOG.request(0, 8))[0] == 200
    for size in (9, 10, 11):
        assert post(client, LOG.request(3, size))[0] == 409
    assert len(witness.store.evidence(ORIGIN)) == 2
    with sqlite3.connect(witness.store.path) as conn:
        (dropped,) = conn.execute(
            "SELECT value FROM witness_meta WHERE key = ?", (f"evidence_dropped:{ORIGIN}",)
        ).fetchone()
    assert int(dropped) == 1


def test_no_changed_byte_of_an_extension_request_gets_a_cosignature(tmp_path: Path) -> None:
    import random

    witness = make_witness(tmp_path / "w.sqlite3", LOG)
    assert witness.add_checkpoint(LOG.request(0, 8)).status == 200
    good = LOG.request(8, 13)
    rng = random.Random(7)
    for _ in range(300):
        data = bytearray(good)
        position = rng.randrange(len(data))
        data[position] = (data[position] + rng.randrange(1, 256)) % 256
        answer = witness.add_checkpoint(bytes(data))
        assert answer.status in (400, 403, 404, 409, 422), (position, answer)
    held = witness.store.held(ORIGIN)
    assert held is not None and held.tree_size == 8
    assert witness.add_checkpoint(good).status == 200
