"""``python -m coldcheck.witness``: the witness as a program of its own."""

from coldcheck.witness.cli import witness_cli

witness_cli(prog_name="coldcheck-witness")
