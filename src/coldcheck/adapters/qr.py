"""QR codes (segno): the module matrix, for drawing as vector squares in a PDF, or as SVG/PNG."""

from __future__ import annotations

import io

import segno

__all__ = ["QrMatrix", "qr_matrix", "qr_png", "qr_svg"]

QrMatrix = tuple[tuple[bool, ...], ...]
"""Rows of dark (True) and light modules, without the quiet zone."""


def qr_matrix(text: str, error: str = "m") -> QrMatrix:
    """The modules of the smallest QR code holding ``text`` (error correction M by default)."""
    code = segno.make(text, error=error, micro=False)
    return tuple(tuple(bool(m) for m in row) for row in code.matrix)


def qr_svg(text: str, scale: int = 4) -> str:
    """An SVG QR code with a four-module quiet zone."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", scale=scale, border=4)
    return out.getvalue().decode("utf-8")


def qr_png(text: str, scale: int = 4) -> bytes:
    """A PNG QR code with a four-module quiet zone."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
