"""coldcheck: custody of prop firearms and ammunition, with a tamper-evident log."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
