"""The witnesses this log submits to, kept in the data folder (``witnesses.json``).

``coldcheck witnesses add/remove`` write it (atomically, mode 0600); the server reads it
at start, together with ``COLDCHECK_WITNESSES``. The file is a JSON list of
``{"vkey": ..., "url": ...}``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from coldcheck.service.witnessing import WitnessConfig, WitnessConfigError, parse_witness

__all__ = ["FILE_NAME", "MAX_WITNESSES", "read_witnesses", "write_witnesses"]

FILE_NAME = "witnesses.json"
MAX_WITNESSES = 32
MAX_FILE_BYTES = 64 * 1024


def read_witnesses(data_dir: Path) -> list[WitnessConfig]:
    """The witnesses in the data folder's list (none when there is no list)."""
    path = data_dir / FILE_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    if len(raw) > MAX_FILE_BYTES:
        raise WitnessConfigError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        items = json.loads(raw)
        if not isinstance(items, list):
            raise ValueError("not a list")
        return [parse_witness(f"{item['vkey']}@{item['url']}") for item in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise WitnessConfigError(
            f"{path} is not a list of witnesses ({exc}); fix or remove it"
        ) from None


def write_witnesses(data_dir: Path, witnesses: list[WitnessConfig]) -> None:
    """Replace the data folder's list (written to a temporary file, fsynced, renamed)."""
    if len(witnesses) > MAX_WITNESSES:
        raise WitnessConfigError(f"at most {MAX_WITNESSES} witnesses")
    path = data_dir / FILE_NAME
    tmp = path.with_suffix(".json.tmp")
    data = json.dumps([{"vkey": w.vkey, "url": w.url} for w in witnesses], indent=2) + "\n"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
