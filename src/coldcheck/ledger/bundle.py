"""Evidence bundles, format 2: the zip, written the same way every time (pure).

What a bundle holds and how it is checked is in :mod:`coldcheck.ledger.verify_bundle`
— the single-file verifier that travels inside every bundle and that ``coldcheck
verify-bundle`` runs too. This module only writes the zip: members stored (never
compressed: a compressed member is refused by the verifier as a possible zip bomb),
fixed timestamps and modes, the order given, so the same content always gives the same
bytes; and it refuses to make a bundle the verifier would refuse to read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from importlib import resources

from coldcheck.ledger.errors import BundleError
from coldcheck.ledger.verify_bundle import (
    BUNDLE_FORMAT,
    MAX_BUNDLE_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_PHOTO_MEMBER_BYTES,
)

__all__ = [
    "BUNDLE_FORMAT",
    "MAX_BUNDLE_BYTES",
    "MAX_MEMBERS",
    "build_zip",
    "entry_file",
    "proof_file",
    "verifier_source",
]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def entry_file(index: int) -> str:
    """``entries/<12-digit position>.json``."""
    return f"entries/{index:012d}.json"


def proof_file(index: int) -> str:
    """``proofs/<12-digit position>.tlog-proof``."""
    return f"proofs/{index:012d}.tlog-proof"


def verifier_source() -> bytes:
    """The bytes of ``verify_bundle.py``, the verifier every bundle carries."""
    return resources.files("coldcheck.ledger").joinpath("verify_bundle.py").read_bytes()


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def build_zip(files: Sequence[tuple[str, bytes]]) -> bytes:
    """The zip of ``files`` (name, bytes), in that order; ``BundleError`` beyond the limits."""
    if len(files) > MAX_MEMBERS:
        raise BundleError(
            f"a bundle holds at most {MAX_MEMBERS} files, not {len(files)}; export a shorter period"
        )
    names = [name for name, _ in files]
    if len(set(names)) != len(names):
        raise BundleError("a file name appears twice")
    for name, data in files:
        cap = MAX_MANIFEST_BYTES if name == "manifest.json" else MAX_MEMBER_BYTES
        if name.startswith("photos/"):
            cap = MAX_PHOTO_MEMBER_BYTES
        if len(data) > cap:
            raise BundleError(f"{name} is larger than {cap} bytes")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            zf.writestr(_member(name), data)
    out = buf.getvalue()
    if len(out) > MAX_BUNDLE_BYTES:
        raise BundleError(
            f"the bundle would be larger than {MAX_BUNDLE_BYTES} bytes; export a shorter period"
        )
    return out
