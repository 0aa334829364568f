"""Photo bytes for tests: real PNGs (drawn here, standard library only), and the first bytes
of JPEG and WebP files written from their specifications (JPEG: ITU T.81 B.2; WebP: the
RIFF container, RFC 9649), enough for a header reader."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 64, height: int = 40, shade: int = 0) -> bytes:
    """A real RGB PNG: a sky-to-sand gradient with a dark bar (a 'revolver') across it;
    ``shade`` makes a different image (and so a different hash)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            in_bar = height // 3 < y < height // 2 and width // 6 < x < width * 5 // 6
            in_grip = height // 2 <= y < height * 5 // 6 and width // 6 < x < width // 3
            if in_bar or in_grip:
                rows += bytes((40, 36, 34))
            else:
                t = y * 255 // max(height - 1, 1)
                rows += bytes(((120 + t // 2 + shade) % 256, (170 + t // 4) % 256, 220 - t // 2))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """SOI, an APP0 (JFIF) segment, then a baseline start-of-frame (SOF0) of that size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00" * 3
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp_lossless(width: int, height: int) -> bytes:
    """RIFF/WEBP with a VP8L chunk: signature 0x2f, then 14 bits width-1, 14 bits height-1."""
    bits = (width - 1) | ((height - 1) << 14)
    body = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 7
    chunk = b"VP8L" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk
