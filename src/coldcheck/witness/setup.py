"""A witness's folder: ``<data>/witness/`` (mode 0700) holding its Ed25519 key
``witness-key.pem`` (PKCS#8 PEM, mode 0600) and its state ``witness.sqlite3``.

``init_witness`` makes them once; ``open_witness_files`` reads them back, refusing a folder or
a key that others can read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from coldcheck.ledger.c2sp_errors import C2spFormatError
from coldcheck.ledger.cosignature import CosignatureVerifier
from coldcheck.ledger.note import check_key_name, ed25519_public_raw
from coldcheck.witness.state import WitnessStore

__all__ = [
    "KEY_FILE_NAME",
    "MAX_WITNESS_NAME",
    "STATE_FILE_NAME",
    "WITNESS_FOLDER",
    "InitReport",
    "WitnessFiles",
    "WitnessSetupError",
    "check_witness_name",
    "init_witness",
    "open_witness_files",
]

WITNESS_FOLDER = "witness"
KEY_FILE_NAME = "witness-key.pem"
STATE_FILE_NAME = "witness.sqlite3"
MAX_WITNESS_NAME = 255


_LOST_STATE = (
    "the witness key is there but its state {path} is missing or unreadable: restore it from"
    " a backup. A witness that forgot what it cosigned could be made to cosign a rewritten log,"
    " so it is not remade empty; to start over, make a new witness (a new key) in another folder"
)


class WitnessSetupError(Exception):
    """The witness folder, key or state is missing, unsafe or inconsistent; says what to do."""


@dataclass(frozen=True)
class InitReport:
    """What ``init_witness`` found or made."""

    folder: Path
    name: str
    vkey: str
    created: bool


@dataclass(frozen=True)
class WitnessFiles:
    """A witness's key, name and state, read back."""

    folder: Path
    name: str
    key: Ed25519PrivateKey
    store: WitnessStore


def check_witness_name(name: str) -> str:
    """A valid cosigner name (a note key name, at most 255 bytes), or a clear error."""
    try:
        check_key_name(name)
    except C2spFormatError as exc:
        raise WitnessSetupError(
            f"{exc}; use a schema-less URL such as 'witness.studio.example/w1'"
        ) from None
    if len(name.encode("utf-8")) > MAX_WITNESS_NAME:
        raise WitnessSetupError(f"a witness name must be at most {MAX_WITNESS_NAME} bytes")
    return name


def _folder(data_dir: Path) -> Path:
    return data_dir / WITNESS_FOLDER


def _write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)  # a crash leaves either no key or a whole one
    return key


def _load_key(path: Path) -> Ed25519PrivateKey:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise WitnessSetupError(
            f"no witness key at {path}; run `coldcheck witness init --name NAME` first"
        ) from None
    except OSError as exc:
        raise WitnessSetupError(f"cannot read the witness key {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WitnessSetupError(
            f"the witness key {path} is open to others (mode {stat.S_IMODE(mode):o});"
            f" run `chmod 600 {path}`"
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise WitnessSetupError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise WitnessSetupError(f"{path} holds a key that is not Ed25519")
    return key


def init_witness(data_dir: Path, name: str) -> InitReport:
    """Make the witness folder, key and state under ``data_dir`` unless they exist.

    Running it again with the same name changes nothing and reports the same vkey; with
    another name it is refused (the name is part of the witness's identity).
    """
    check_witness_name(name)
    folder = _folder(data_dir)
    key_path = folder / KEY_FILE_NAME
    store = WitnessStore(folder / STATE_FILE_NAME)
    if key_path.exists():
        key = _load_key(key_path)
        held_name = store.name()
        if held_name is None:
            raise WitnessSetupError(_LOST_STATE.format(path=store.path))
        if held_name != name:
            raise WitnessSetupError(
                f"the witness in {folder} is named {held_name!r}; it keeps its name"
                " (make another data folder for another witness)"
            )
        return InitReport(folder, name, _vkey(name, key), created=False)
    data_dir.mkdir(parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)
    if (folder / STATE_FILE_NAME).exists() and store.name() not in (None, name):
        raise WitnessSetupError(f"{folder} holds the state of another witness but no key")
    store.create(name)  # first: a crash before the key is written leaves a state init resumes
    key = _write_key(key_path)
    return InitReport(folder, name, _vkey(name, key), created=True)


def _vkey(name: str, key: Ed25519PrivateKey) -> str:
    return CosignatureVerifier(name, ed25519_public_raw(key)).vkey


def open_witness_files(data_dir: Path) -> WitnessFiles:
    """Read the witness's key, name and state; ``WitnessSetupError`` says what is wrong."""
    folder = _folder(data_dir)
    try:
        mode = folder.stat().st_mode
    except FileNotFoundError:
        raise WitnessSetupError(
            f"no witness in {data_dir}; run `coldcheck witness init --name NAME` first"
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WitnessSetupError(
            f"the witness folder {folder} is open to others (mode {stat.S_IMODE(mode):o});"
            f" run `chmod 700 {folder}`"
        )
    key = _load_key(folder / KEY_FILE_NAME)
    store = WitnessStore(folder / STATE_FILE_NAME)
    name = store.name()
    if name is None:
        raise WitnessSetupError(_LOST_STATE.format(path=store.path))
    return WitnessFiles(folder, name, key, store)
