"""Evidence bundles verify offline, say what they prove, and fail on any changed byte."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from coldcheck.ledger import (
    BundleEntry,
    BundleError,
    MemoryHashStore,
    MerkleLog,
    build_bundle,
    leaf_hash,
    public_key_raw,
    sign_head,
    verify_bundle,
)
from coldcheck.ledger.canonical import canonical_json

ENTRIES = [
    canonical_json({"seq": i, "type": "WeaponIssued", "payload": {"weapon": f"W-{i:04d}"}})
    for i in range(23)
]
CHOSEN = [0, 7, 22]


def _bundle(key: Ed25519PrivateKey, chosen: list[int] = CHOSEN) -> bytes:
    store = MemoryHashStore()
    store.append([leaf_hash(e) for e in ENTRIES])
    log = MerkleLog(store)
    head = sign_head(key, len(ENTRIES), log.root(len(ENTRIES)), 1_634_860_800_000)
    entries = [
        BundleEntry(i, ENTRIES[i], tuple(log.inclusion_proof(i, len(ENTRIES)))) for i in chosen
    ]
    return build_bundle(entries, head, public_key_raw(key), description="weapon W-0007")


def test_a_bundle_verifies_and_says_what_it_proves(key: Ed25519PrivateKey) -> None:
    report = verify_bundle(_bundle(key))
    assert report.ok, report.problems
    assert [(e.index, e.entry) for e in report.entries] == [(i, ENTRIES[i]) for i in CHOSEN]
    assert report.description == "weapon W-0007"
    assert report.summary.startswith("VERIFIED: 3 entries (index 0, 7, 22) were in the log ")
    assert "at tree size 23" in report.summary
    assert "2021-10-22T00:00:00.000+00:00" in report.summary


def test_building_the_same_bundle_twice_gives_the_same_bytes(key: Ed25519PrivateKey) -> None:
    assert _bundle(key) == _bundle(key)


def test_the_bundle_holds_readme_manifest_and_the_exact_entry_bytes(
    key: Ed25519PrivateKey,
) -> None:
    with zipfile.ZipFile(io.BytesIO(_bundle(key))) as zf:
        assert zf.namelist() == [
            "README.txt",
            "manifest.json",
            "entries/000000000000.json",
            "entries/000000000007.json",
            "entries/000000000022.json",
        ]
        assert zf.read("entries/000000000007.json") == ENTRIES[7]
        manifest = json.loads(zf.read("manifest.json"))
        assert "verify-bundle" in zf.read("README.txt").decode()
    assert manifest["format"] == "coldcheck-evidence-bundle/1"
    assert manifest["head"]["tree_size"] == 23


def test_every_single_byte_change_anywhere_in_the_zip_fails(key: Ed25519PrivateKey) -> None:
    data = _bundle(key)
    for at in range(len(data)):
        changed = bytearray(data)
        changed[at] ^= 0x20
        report = verify_bundle(bytes(changed))
        assert not report.ok, f"byte {at} changed but the bundle still verified"
        assert report.summary.startswith("NOT VERIFIED: ")


def _rewrite(data: bytes, name: str, content: bytes) -> bytes:
    """Re-zip with one member replaced, CRCs recomputed: a deliberate forgery."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info))
    return out.getvalue()


def test_a_forged_entry_with_a_valid_zip_fails(key: Ed25519PrivateKey) -> None:
    forged = ENTRIES[7].replace(b"WeaponIssued", b"WeaponReturn")
    report = verify_bundle(_rewrite(_bundle(key), "entries/000000000007.json", forged))
    assert not report.ok
    assert report.problems == ("entry 7: its bytes do not match its leaf hash",)


def test_a_forged_manifest_leaf_hash_fails_the_inclusion_proof(key: Ed25519PrivateKey) -> None:
    data = _bundle(key)
    forged = ENTRIES[7].replace(b"WeaponIssued", b"WeaponReturn")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["entries"][1]["leaf_hash"] = __import__("base64").b64encode(leaf_hash(forged)).decode()
    data = _rewrite(data, "entries/000000000007.json", forged)
    data = _rewrite(data, "manifest.json", canonical_json(manifest))
    report = verify_bundle(data)
    assert not report.ok
    assert report.problems[0].startswith("entry 7: inclusion proof fails: root mismatch")


def test_a_bundle_signed_by_another_key_fails_against_the_trusted_key(
    key: Ed25519PrivateKey,
) -> None:
    other = Ed25519PrivateKey.generate()
    report = verify_bundle(_bundle(other), trusted_public_key=public_key_raw(key))
    assert not report.ok
    assert "not the trusted key" in report.problems[0]
    assert verify_bundle(_bundle(key), trusted_public_key=public_key_raw(key)).ok


def test_garbage_is_reported_not_raised() -> None:
    report = verify_bundle(b"not a zip")
    assert not report.ok
    assert report.summary.startswith("NOT VERIFIED: not a readable zip file")


def test_an_entry_the_head_does_not_cover_cannot_be_bundled(key: Ed25519PrivateKey) -> None:
    head = sign_head(key, 2, b"\x00" * 32, 0)
    with pytest.raises(BundleError):
        build_bundle([BundleEntry(2, b"x", ())], head, public_key_raw(key))


@settings(max_examples=20, deadline=None)
@given(st.sets(st.integers(0, len(ENTRIES) - 1), min_size=1, max_size=6))
def test_any_choice_of_entries_verifies(chosen: set[int]) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    assert verify_bundle(_bundle(key, sorted(chosen))).ok
