"""c2sp.org/tlog-checkpoint: the note text of a checkpoint, made, parsed and refused."""

from __future__ import annotations

import pytest

from coldcheck.ledger.c2sp_errors import C2spFormatError, UntrustedNote
from coldcheck.ledger.checkpoint import (
    Checkpoint,
    check_origin,
    log_vkey,
    make_checkpoint_note,
    open_checkpoint,
)
from coldcheck.ledger.hashing import EMPTY_ROOT
from coldcheck.ledger.note import Ed25519Verifier
from tests.unit.ledger import c2sp_vectors as v

ROOT_8 = bytes.fromhex(v.ROOT_8_HEX)


def test_the_checkpoint_note_of_the_log_is_the_openssl_golden() -> None:
    assert make_checkpoint_note(v.ORIGIN, 8, ROOT_8, v.log_key()) == v.CHECKPOINT_NOTE
    assert log_vkey(v.ORIGIN, v.log_key()) == v.LOG_VKEY


def test_a_signed_checkpoint_opens_with_the_log_vkey() -> None:
    signed = open_checkpoint(v.CHECKPOINT_NOTE, [Ed25519Verifier.from_vkey(v.LOG_VKEY)])
    assert signed.checkpoint == Checkpoint(v.ORIGIN, 8, ROOT_8)


def test_a_checkpoint_of_another_origin_is_refused_when_one_is_expected() -> None:
    with pytest.raises(C2spFormatError, match="not of"):
        open_checkpoint(
            v.CHECKPOINT_NOTE, [Ed25519Verifier.from_vkey(v.LOG_VKEY)], origin="other.example/x"
        )


def test_a_checkpoint_not_signed_by_the_log_is_refused() -> None:
    with pytest.raises(UntrustedNote):
        open_checkpoint(v.CHECKPOINT_NOTE, [Ed25519Verifier.from_vkey(v.SPEC_VKEY)])


def test_the_specification_s_example_checkpoint_parses() -> None:
    checkpoint = Checkpoint.from_text(v.SPEC_CHECKPOINT_TEXT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.tree_size == 20852163
    assert checkpoint.text() == v.SPEC_CHECKPOINT_TEXT


def test_extension_lines_are_kept_in_order() -> None:
    text = v.CHECKPOINT_TEXT + "ext one\next two\n"
    checkpoint = Checkpoint.from_text(text)
    assert checkpoint.extensions == ("ext one", "ext two")
    assert checkpoint.text() == text


def test_the_empty_tree_is_size_zero_and_its_root_is_sha256_of_nothing() -> None:
    # echo -n | sha256sum | xxd -r -p | base64
    text = f"{v.ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    assert Checkpoint.from_text(text) == Checkpoint(v.ORIGIN, 0, EMPTY_ROOT)


BAD_TEXTS = {
    "two lines": f"{v.ORIGIN}\n8\n",
    "no final newline": f"{v.ORIGIN}\n8\n{v.ROOT_8_B64}",
    "empty origin": f"\n8\n{v.ROOT_8_B64}\n",
    "leading zero": f"{v.ORIGIN}\n08\n{v.ROOT_8_B64}\n",
    "negative size": f"{v.ORIGIN}\n-8\n{v.ROOT_8_B64}\n",
    "plus sign": f"{v.ORIGIN}\n+8\n{v.ROOT_8_B64}\n",
    "hex size": f"{v.ORIGIN}\n0x8\n{v.ROOT_8_B64}\n",
    "size over 2^63-1": f"{v.ORIGIN}\n9223372036854775808\n{v.ROOT_8_B64}\n",
    "spaces around the size": f"{v.ORIGIN}\n 8\n{v.ROOT_8_B64}\n",
    "hex root": f"{v.ORIGIN}\n8\n{v.ROOT_8_HEX}\n",
    "short root": f"{v.ORIGIN}\n8\nAAAA\n",
    "url-safe base64 root": f"{v.ORIGIN}\n8\n{v.ROOT_8_B64.replace('+', '-').replace('/', '_')}\n",
    "empty extension line": f"{v.ORIGIN}\n8\n{v.ROOT_8_B64}\n\next\n",
}


@pytest.mark.parametrize("case", sorted(BAD_TEXTS))
def test_malformed_checkpoint_texts_are_refused(case: str) -> None:
    with pytest.raises(C2spFormatError):
        Checkpoint.from_text(BAD_TEXTS[case])


def test_any_non_empty_origin_is_parsed_as_clients_must_not_assume_its_form() -> None:
    assert Checkpoint.from_text(f"Go Module Sum DB\n8\n{v.ROOT_8_B64}\n").origin == (
        "Go Module Sum DB"
    )


@pytest.mark.parametrize(
    "origin",
    ["coldcheck.example/dry-gulch", "studio.example:8443/coldcheck/log-1", "localhost/x", "a.b"],
)
def test_origins_coldcheck_issues_are_schema_less_urls(origin: str) -> None:
    assert check_origin(origin) == origin


@pytest.mark.parametrize(
    ("origin", "reason"),
    [
        ("https://studio.example/log", "scheme"),
        ("http:studio.example", "scheme"),
        ("studio example/log", "space"),
        ("studio.example/a+b", r"'\+'"),
        ("", "non-empty"),
        ("-studio.example", "schema-less URL"),
        ("studio.example/ünï", "schema-less URL"),
        ("studio.example/" + "x" * 300, "255"),
    ],
)
def test_origins_that_are_not_schema_less_urls_are_refused_with_the_reason(
    origin: str, reason: str
) -> None:
    with pytest.raises(C2spFormatError, match=reason):
        check_origin(origin)
    with pytest.raises(C2spFormatError):
        make_checkpoint_note(origin, 8, ROOT_8, v.log_key())


def test_a_checkpoint_object_refuses_impossible_values() -> None:
    for kwargs in (
        {"tree_size": -1},
        {"tree_size": 2**63},
        {"root_hash": b"short"},
        {"extensions": ("",)},
        {"extensions": ("two\nlines",)},
    ):
        fields = {"origin": v.ORIGIN, "tree_size": 8, "root_hash": ROOT_8, **kwargs}
        with pytest.raises(C2spFormatError):
            Checkpoint(**fields)  # type: ignore[arg-type]
