"""The ``coldcheck`` command line, one module per group of commands.

- ``app``       the root: global options, ``init``, ``demo``, ``serve``
- ``ledger``    ``verify``, ``export-evidence``, ``verify-bundle``
- ``exchange``  ``import``, ``export`` (CSV)
- ``reports``   ``report daily|custody|incident``, ``labels``
- ``backup``    ``backup``, ``restore``
- ``users``     ``user create|set-password|set-pin|grant|list``
- ``productions`` ``production create``
- ``common``    exit codes, ``--json`` failures, opening the App, progress bars

Exit codes: 0 ok, 1 failure, 2 usage error, 3 refused by a safety rule.
"""

from __future__ import annotations

from coldcheck.entrypoints.cli.app import cli


def main() -> None:
    """Console-script entry point."""
    cli()


__all__ = ["cli", "main"]
