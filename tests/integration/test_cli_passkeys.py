"""`coldcheck verify` re-checks every passkey signature in the log (issue 17)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain.ids import PersonId
from coldcheck.service import demo
from coldcheck.service.envelope import Channel
from tests.conftest import run_cli
from tests.webauthn_device import Device

MARA, ROSA, TOM = PersonId("mara-voss"), PersonId("rosa-lind"), PersonId("tom-reyes")
HOST, ORIGIN = "localhost", "http://localhost:8000"


def _revocation_signed_by_toms_passkey(data: Path) -> int:
    """Rosa and Tom enrol passkeys; Mara revokes Rosa's, Tom confirming with his. Its seq."""
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        devices = {}
        for person in (ROSA, TOM):
            devices[person] = Device()
            options = app.passkeys.enrolment_options(demo.PRODUCTION, person, HOST)
            app.passkeys.enrol(
                demo.PRODUCTION,
                person,
                person,
                devices[person].register(options),
                rp_id=HOST,
                origin=ORIGIN,
                channel=Channel.web(),
            )
        revoke = c.RevokePasskey(
            production=demo.PRODUCTION,
            actor=MARA,
            at=app.clock.now(),
            credential=devices[ROSA].credential,
            reason="phone lost on set",
        )
        issued = app.confirmations.challenge(app.custody.state(demo.PRODUCTION), revoke)
        options = app.passkeys.assertion_options(demo.PRODUCTION, issued.challenge.id, TOM, HOST)
        given = app.passkeys.confirm(
            demo.PRODUCTION,
            issued.challenge.id,
            TOM,
            devices[TOM].sign(options["challenge"]),
            rp_id=HOST,
            origin=ORIGIN,
        )
        return app.custody.execute(revoke, [given.id], channel=Channel.web()).seqs[0]
    finally:
        app.close()


def test_verify_says_which_confirmations_a_passkey_signed(demo_copy: Path) -> None:
    _revocation_signed_by_toms_passkey(demo_copy)
    result = run_cli("verify", data=demo_copy)
    assert "passkeys OK: 1 confirmations signed by the confirmer's own passkey" in result.stdout
    assert "by PIN (attested by the server only); 2 passkeys enrolled" in result.stdout
    report = json.loads(run_cli("verify", "--json", data=demo_copy).stdout)
    assert report["passkeys"]["signed"] == 1 and report["passkeys"]["verified"]


def test_verify_fails_on_a_tampered_stored_assertion(demo_copy: Path) -> None:
    seq = _revocation_signed_by_toms_passkey(demo_copy)
    with sqlite3.connect(demo_copy / "coldcheck.sqlite3") as db:
        (entry,) = db.execute("select entry from ledger_entries where idx = ?", (seq,)).fetchone()
        env = json.loads(entry)
        sig = env["signatures"][0]["signature"]
        env["signatures"][0]["signature"] = sig[:-3] + ("A" if sig[-3] != "A" else "B") + sig[-2:]
        db.execute(
            "update ledger_entries set entry = ? where idx = ?",
            (json.dumps(env, separators=(",", ":"), sort_keys=True).encode(), seq),
        )
    result = run_cli("verify", data=demo_copy, check=False)
    assert result.returncode == 1
    assert f"passkey NOT OK at log position {seq}: the passkey signature of tom-reyes" in (
        result.stdout
    )
