"""Weapon photos (issue 18, part 5): what a photo's bytes are, read from the bytes themselves.

A photo is evidence too: its ledger entry (``WeaponPhotographed``) records its SHA-256,
byte size, media type and pixel size; the bytes are kept outside the entry, keyed by that
hash. :func:`read_photo` decides what the bytes are from their first bytes (the *magic
numbers* of JPEG, PNG and WebP) and reads the pixel size from the header where that is
cheap — never from what a browser or a client says the file is. Anything else is refused
with words saying what to do. Pure: bytes in, facts or a reason out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from coldcheck.domain.errors import Reason
from coldcheck.domain.ids import PersonId

__all__ = [
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS",
    "MEDIA_TYPES",
    "PhotoFacts",
    "WeaponPhoto",
    "is_sha256",
    "read_photo",
    "sha256_hex",
]

MAX_PHOTO_BYTES = 8 << 20
"""The largest photo kept (8 MiB: a tablet camera's full-size JPEG fits)."""

MAX_PHOTO_PIXELS = 30_000
"""The widest or tallest photo accepted, in pixels (a header claiming more is not a photo)."""

#: The media types kept, and the file name ending each is exported with.
MEDIA_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
_PNG = b"\x89PNG\r\n\x1a\n"
_AGAIN = "take the photo again with the tablet's camera (JPEG, PNG or WebP)"


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo's own bytes say it is; ``width``/``height`` 0 when the header hides them."""

    sha256: str
    byte_size: int
    media_type: str
    width: int
    height: int


@dataclass(frozen=True)
class WeaponPhoto:
    """One photo of a weapon as the log records it (newest last in ``WeaponState.photos``)."""

    sha256: str
    byte_size: int
    media_type: str
    width: int
    height: int
    note: str
    at: datetime
    by: PersonId | None


def sha256_hex(data: bytes) -> str:
    """The lowercase hex SHA-256 of ``data`` (what the ledger entry names the photo by)."""
    return hashlib.sha256(data).hexdigest()


def is_sha256(value: str) -> bool:
    """True for 64 lowercase hex digits."""
    return bool(_SHA256.fullmatch(value))


def read_photo(data: bytes) -> PhotoFacts | Reason:
    """The facts of a JPEG, PNG or WebP photo, or the reason it is refused (``INPUT``)."""
    if not data:
        return Reason("INPUT", f"no photo came with the form — {_AGAIN}.")
    if len(data) > MAX_PHOTO_BYTES:
        return Reason(
            "INPUT",
            f"the photo is {_mib(len(data))}; at most {_mib(MAX_PHOTO_BYTES)} are kept — take it"
            " again at a lower resolution (or save it smaller) and send that.",
        )
    sniffed = _sniff(data)
    if sniffed is None:
        return Reason(
            "INPUT",
            "this file is not a JPEG, PNG or WebP photo (its first bytes say so, whatever its"
            f" name or type claims) — {_AGAIN}.",
        )
    media_type, width, height = sniffed
    if width > MAX_PHOTO_PIXELS or height > MAX_PHOTO_PIXELS:
        return Reason(
            "INPUT",
            f"the photo's header claims {width} × {height} pixels, more than a camera takes"
            f" (at most {MAX_PHOTO_PIXELS} a side) — {_AGAIN}.",
        )
    return PhotoFacts(sha256_hex(data), len(data), media_type, width, height)


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def _sniff(data: bytes) -> tuple[str, int, int] | None:
    """(media type, width, height) from the magic numbers and header; None: not a photo."""
    if data.startswith(b"\xff\xd8\xff"):
        return ("image/jpeg", *_jpeg_size(data))
    if data.startswith(_PNG):
        if len(data) >= 24 and data[12:16] == b"IHDR":
            return "image/png", _u32be(data, 16), _u32be(data, 20)
        return None  # a PNG always starts with its IHDR chunk
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("image/webp", *_webp_size(data))
    return None


def _u32be(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first start-of-frame segment (0, 0 if none is found)."""
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return 0, 0
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return width, height
        if marker == 0xDA or length < 2:  # start of scan: no frame header before it
            return 0, 0
        at += 2 + length
    return 0, 0


def _webp_size(data: bytes) -> tuple[int, int]:
    """Width and height from the first chunk: VP8 (lossy), VP8L (lossless) or VP8X."""
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        height = int.from_bytes(data[28:30], "little") & 0x3FFF
        return width, height
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return 0, 0
