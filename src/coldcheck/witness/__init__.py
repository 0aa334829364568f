"""An independent c2sp.org/tlog-witness witness, runnable by anyone outside the production.

It keeps, per log origin, the newest checkpoint it cosigned, and cosigns a new one only when a
consistency proof shows it extends that one; so a log that rewrote its history — even re-signed
with its own key — is refused, and the refused, log-signed checkpoint is kept as proof.

Imports only :mod:`coldcheck.ledger` of coldcheck (and the standard library, ``cryptography``,
``sqlite3``, Starlette, uvicorn, Typer):

- :mod:`.decision`  pure: ``check_submission``, ``judge`` -> ``Refusal`` | cosign
- :mod:`.state`     ``WitnessStore``: SQLite, compare-and-swap advance, fork evidence
- :mod:`.core`      ``Witness.add_checkpoint(body) -> Answer``
- :mod:`.app`       ``create_app(witness)``: the ASGI app
- :mod:`.setup`     ``init_witness``, ``open_witness_files``: key (0600) and folder (0700)
- :mod:`.cli`       ``witness_cli``: ``init``, ``serve``
"""

from coldcheck.witness.app import create_app
from coldcheck.witness.core import Answer, Witness
from coldcheck.witness.decision import LogState, Refusal, check_submission, judge
from coldcheck.witness.setup import WitnessSetupError, init_witness, open_witness_files
from coldcheck.witness.state import Evidence, HeldCheckpoint, WitnessStore

__all__ = [
    "Answer",
    "Evidence",
    "HeldCheckpoint",
    "LogState",
    "Refusal",
    "Witness",
    "WitnessSetupError",
    "WitnessStore",
    "check_submission",
    "create_app",
    "init_witness",
    "judge",
    "open_witness_files",
]
