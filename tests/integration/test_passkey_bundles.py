"""Passkey confirmations in evidence bundles, checked offline by the bundle's own verifier.

A real export of the demo (SQLite) where Rosa Lind confirms a handoff of W-0002 with the
passkey Mara Voss enrolled for her at the cart, and Dana Ortiz with her PIN. The bundle
must verify with its verifier run alone, as a separate process from a copy of the one
file, and say how each confirmation was given. Then whoever runs the server — holding the
log's signing key, so every entry it writes has a valid inclusion proof — writes entries
the rules would have refused (a tampered assertion, authenticator data or client data, a
key revoked before, a key of another person), and the verifier must name each one.

The assertions are made by tests/webauthn_device.py; the test's own check of a stored
assertion (:func:`spec_assertion_ok`) is written here from WebAuthn §7.2 and the README's
challenge derivation, not imported from coldcheck.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from coldcheck.adapters.argon2 import Argon2Hasher
from coldcheck.bootstrap import App, build
from coldcheck.config import Settings
from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.ids import PersonId, WeaponId
from coldcheck.domain.mechanics import RoundState, inspection_checklist, load_positions
from coldcheck.domain.model import BoreFinding, Finding, PasskeySignature
from coldcheck.domain.state import apply
from coldcheck.ledger.bundle import build_zip
from coldcheck.ledger.verify_bundle import Report, verify
from coldcheck.service import demo
from coldcheck.service import evidence as evidence_module
from coldcheck.service.envelope import Channel
from coldcheck.service.evidence import EvidenceError
from tests.webauthn_device import UP, UV, Device, b64url, unb64url

DEMO = demo.PRODUCTION
TZ = ZoneInfo("America/Denver")
MARA, DANA, ROSA, JACK, TOM = (
    PersonId(p) for p in ("mara-voss", "dana-ortiz", "rosa-lind", "jack-hale", "tom-reyes")
)
PINS = {p.person: p.pin for p in demo.PEOPLE}
W2 = WeaponId("W-0002")
HOST, ORIGIN = "localhost", "http://localhost:8000"
Files = dict[str, bytes]


# -- the test's own check, from the specification ---------------------------------------

CONTEXT = b"coldcheck passkey confirmation v1\n"


def spec_challenge(command_json: str, log_size: int, nonce: str) -> bytes:
    """README "Passkeys": SHA-256(CONTEXT || RFC 8785 {"digest", "log_size", "nonce"}), the
    digest being the SHA-256 (hex) of the signed command's RFC 8785 bytes. The three keys
    are already in RFC 8785 order and every value is ASCII, so the JSON is written out."""
    digest = hashlib.sha256(command_json.encode()).hexdigest()
    doc = f'{{"digest":"{digest}","log_size":{log_size},"nonce":"{nonce}"}}'
    return hashlib.sha256(CONTEXT + doc.encode()).digest()


def spec_assertion_ok(sig: dict[str, Any], public_key: ec.EllipticCurvePublicKey) -> bool:
    """WebAuthn §7.2 for an ES256 key: type, challenge, origin, rpIdHash, UP, and the
    signature over authenticatorData || SHA-256(clientDataJSON)."""
    client = unb64url(sig["client_data_json"])
    auth = unb64url(sig["authenticator_data"])
    data = json.loads(client)
    challenge = b64url(spec_challenge(sig["command_json"], sig["log_size"], sig["nonce"]))
    if data["type"] != "webauthn.get" or data["challenge"] != challenge:
        return False
    if data["origin"] != ORIGIN or auth[:32] != hashlib.sha256(HOST.encode()).digest():
        return False
    if not auth[32] & UP:
        return False
    try:
        public_key.verify(
            unb64url(sig["signature"]),
            auth + hashlib.sha256(client).digest(),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        return False
    return True


# -- the scene ------------------------------------------------------------------------------


@dataclass
class Scene:
    app: App
    rosa: Device
    rosa_phone: Device
    jack: Device
    handoff: int
    phone_enrolled: int
    honest: bytes
    forged: dict[str, int]
    forged_bundle: bytes


def _cmd(app: App, cls: type[c.BaseCommand], actor: PersonId = MARA, **kw: Any) -> Any:
    return cls(production=DEMO, actor=actor, at=app.clock.now(), **kw)


def _enrol(app: App, person: PersonId, device: Device, *, by: PersonId) -> int:
    options = app.passkeys.enrolment_options(DEMO, person, HOST)
    return app.passkeys.enrol(
        DEMO,
        by,
        person,
        device.register(options),
        rp_id=HOST,
        origin=ORIGIN,
        channel=Channel.web(),
        label="cart key" if by != person else "phone",
        pin=PINS[person] if by != person else None,
    ).seqs[0]


def _hand_w2_to_rosa(app: App, rosa: Device) -> tuple[int, ev.Event]:
    ws = app.custody.state(DEMO).weapons[W2]
    app.custody.execute(_cmd(app, c.TakeOutOfStorage, weapon=W2), channel=Channel.web())
    positions = load_positions(ws.weapon.action, ws.weapon.capacity)
    app.custody.execute(
        _cmd(
            app,
            c.InspectWeapon,
            weapon=W2,
            findings=tuple(Finding(p, RoundState.EMPTY) for p in positions),
            bore=BoreFinding.CLEAR,
            checklist=inspection_checklist(ws.weapon.action),
        ),
        channel=Channel.web(),
    )
    handover = _cmd(app, c.HandOver, weapon=W2, to=ROSA)
    challenge = app.confirmations.challenge(app.custody.state(DEMO), handover).challenge.id
    options = app.passkeys.assertion_options(DEMO, challenge, ROSA, HOST)
    signed = app.passkeys.confirm(
        DEMO,
        challenge,
        ROSA,
        rosa.sign(options["challenge"]),
        rp_id=HOST,
        origin=ORIGIN,
        pledged=True,
    )
    pin = app.confirmations.confirm(DEMO, challenge, DANA, PINS[DANA])
    accepted = app.custody.execute(handover, [signed.id, pin.id], channel=Channel.web())
    return accepted.seqs[0], accepted.events[0]


def _server_writes(app: App, event: ev.Event) -> int:
    """What whoever runs the server can do: append an entry the rules never saw, under the
    log's own key (so its inclusion proof holds). Its log position."""
    with app.custody._uow() as uow:
        now = uow.begin(app.clock.now())
        before = uow.state(DEMO)
        (seq,) = uow.append(before, [event], apply(before, event), Channel.web())
        uow.seal(now)
        uow.commit()
    return seq


def _signed_by(device: Device, person: PersonId, like: PasskeySignature, **change: Any) -> Any:
    """A fresh assertion by ``device`` over the honest command's challenge (new nonce)."""
    nonce = os.urandom(16).hex()
    challenge = spec_challenge(like.command_json, like.log_size, nonce)
    response = json.loads(device.sign(b64url(challenge)))["response"]
    return dataclasses.replace(
        like,
        person=person,
        credential=device.credential,
        authenticator_data=response["authenticatorData"],
        client_data_json=response["clientDataJSON"],
        signature=response["signature"],
        nonce=nonce,
        **change,
    )


def _flip(text: str) -> str:
    raw = bytearray(unb64url(text))
    raw[-1] ^= 0x01
    return b64url(bytes(raw))


def _export(app: App) -> bytes:
    return app.evidence.export(DEMO, str(W2), None, None, TZ).data


@pytest.fixture(scope="module")
def scene(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    data = tmp_path_factory.mktemp("passkey-bundles") / "data"
    shutil.copytree(demo_data, data)
    app = build(Settings.from_env({"COLDCHECK_DATA": str(data)}), hasher=Argon2Hasher.cheap())
    try:
        rosa, rosa_phone, jack = Device(), Device(), Device()
        _enrol(app, ROSA, rosa, by=MARA)  # at the cart, Rosa typing her PIN
        _enrol(app, JACK, jack, by=JACK)
        phone_enrolled = _enrol(app, ROSA, rosa_phone, by=ROSA)  # an entry about her between
        handoff, event = _hand_w2_to_rosa(app, rosa)
        honest = _export(app)

        (sig,) = event.signatures
        forged: dict[str, int] = {}
        fake = dataclasses.replace
        forged["signature"] = _server_writes(
            app, fake(event, signatures=(fake(sig, signature=_flip(sig.signature)),))
        )
        auth = bytearray(unb64url(sig.authenticator_data))
        auth[32] = UV  # the user-present flag cleared
        forged["authenticator data"] = _server_writes(
            app, fake(event, signatures=(fake(sig, authenticator_data=b64url(bytes(auth))),))
        )
        client = json.loads(unb64url(sig.client_data_json))
        client["challenge"] = b64url(hashlib.sha256(b"another command").digest())
        forged["client data"] = _server_writes(
            app,
            fake(
                event,
                signatures=(fake(sig, client_data_json=b64url(json.dumps(client).encode())),),
            ),
        )
        forged["another person's key"] = _server_writes(
            app, fake(event, signatures=(_signed_by(jack, ROSA, sig),))
        )
        revoke = _cmd(app, c.RevokePasskey, credential=rosa.credential, reason="phone lost")
        challenge = app.confirmations.challenge(app.custody.state(DEMO), revoke).challenge.id
        pin = app.confirmations.confirm(DEMO, challenge, TOM, PINS[TOM])
        app.custody.execute(revoke, [pin.id], channel=Channel.web())
        forged["revoked before"] = _server_writes(
            app, fake(event, signatures=(_signed_by(rosa, ROSA, sig),))
        )
        with pytest.MonkeyPatch.context() as mp:  # a server that skips its own check
            mp.setattr(evidence_module, "verify", lambda *a: Report(ok=True))
            forged_bundle = _export(app)
        yield Scene(
            app, rosa, rosa_phone, jack, handoff, phone_enrolled, honest, forged, forged_bundle
        )
    finally:
        app.close()


def unzip(data: bytes) -> Files:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def without(files: Files, index: int) -> bytes:
    """The bundle with entry ``index`` taken out: its file, its proof, its manifest line."""
    m = json.loads(files["manifest.json"])
    item = next(e for e in m["entries"] if e["index"] == index)
    out = {k: v for k, v in files.items() if k not in (item["file"], item["proof"])}
    m["entries"] = [e for e in m["entries"] if e["index"] != index]
    out["manifest.json"] = json.dumps(m).encode()
    return build_zip(list(out.items()))


def check(scene: Scene, data: bytes) -> Report:
    return verify(data, [scene.app.identity.vkey], [])


def entry(files: Files, index: int) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(files[f"entries/{index:012d}.json"])
    return found


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


# -- an honest bundle -----------------------------------------------------------------------


def test_a_bundle_with_a_passkey_confirmation_verifies_offline_with_its_own_verifier_alone(
    scene: Scene, tmp_path: Path
) -> None:
    files = unzip(scene.honest)
    (tmp_path / "verify_bundle.py").write_bytes(files["verify_bundle.py"])
    (tmp_path / "bundle.zip").write_bytes(scene.honest)
    blocker = tmp_path / "site" / "sitecustomize.py"  # coldcheck cannot be imported there
    blocker.parent.mkdir()
    blocker.write_text("import sys\nsys.modules['coldcheck'] = None\n")
    env = {**os.environ, "PYTHONPATH": str(blocker.parent)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "verify_bundle.py", "bundle.zip", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    text = run("--log-key", scene.app.identity.vkey)
    assert text.returncode == 0, text.stdout + text.stderr
    assert text.stdout.startswith("VERIFIED: ")
    lines = text.stdout.splitlines()
    handoff = next(line for line in lines if line.startswith(f"  {scene.handoff} "))
    assert "WeaponHandedOver by mara-voss" in handoff
    assert f"Rosa Lind's passkey enrolled {_today()} by Mara Voss (ES256, user verified" in handoff
    assert "Dana Ortiz by PIN on the cart, attested by the server only" in handoff
    assert "1 signed by the confirmer's own passkey" in text.stdout
    report = json.loads(run("--log-key", scene.app.identity.vkey, "--json").stdout)
    (item,) = [e for e in report["entries"] if e["index"] == scene.handoff]
    rosa = next(x for x in item["confirmations"] if x["person"] == ROSA)
    assert (rosa["how"], rosa["verified"], rosa["enrolled_by"]) == ("passkey", True, MARA)
    assert rosa["credential"] == scene.rosa.credential and rosa["rp_id"] == HOST


def test_the_assertion_in_the_bundle_passes_the_tests_own_webauthn_check(scene: Scene) -> None:
    files = unzip(scene.honest)
    (sig,) = entry(files, scene.handoff)["signatures"]
    assert spec_assertion_ok(sig, scene.rosa.key.public_key())
    assert not spec_assertion_ok(sig, scene.jack.key.public_key())
    enrolments = [
        e
        for e in json.loads(files["manifest.json"])["entries"]
        if e["role"] == "passkey" and entry(files, e["index"])["type"] == "PasskeyEnrolled"
    ]
    keys = {entry(files, e["index"])["payload"]["credential"] for e in enrolments}
    assert scene.rosa.credential in keys  # her key's enrolment travels with the bundle


def test_a_pin_confirmation_is_reported_as_attested_by_the_server_only(scene: Scene) -> None:
    report = check(scene, scene.honest)
    assert report.ok, report.problems
    (handoff,) = [e for e in report.entries if e.index == scene.handoff]
    dana = next(x for x in handoff.confirmations if x["person"] == DANA)
    assert dana["how"] == "pin" and dana["verified"] is None
    assert dana["words"] == "Dana Ortiz by PIN on the cart, attested by the server only"


def test_a_bundle_with_the_keys_enrolment_entry_removed_fails(scene: Scene) -> None:
    files = unzip(scene.honest)
    enrolment = next(
        e["index"]
        for e in json.loads(files["manifest.json"])["entries"]
        if entry(files, e["index"]).get("type") == "PasskeyEnrolled"
        and entry(files, e["index"])["payload"]["credential"] == scene.rosa.credential
    )
    report = check(scene, without(files, enrolment))
    assert not report.ok
    assert (
        f"entry {scene.handoff}: the passkey signature of rosa-lind: the enrolment entry of its"
        " key" in report.summary()
    )
    assert "is not in the bundle, so the key cannot be checked offline" in report.summary()


def test_a_bundle_with_an_entry_about_the_signer_between_enrolment_and_confirmation_removed_fails(
    scene: Scene,
) -> None:
    """A revocation would be such an entry: leaving any of them out is seen."""
    report = check(scene, without(unzip(scene.honest), scene.phone_enrolled))
    assert not report.ok
    assert (
        f"entry {scene.phone_enrolled} about rosa-lind (listed by the subject index at"
        in report.summary()
    )
    assert "a revocation of the key in between cannot be ruled out" in report.summary()


def test_a_changed_byte_of_an_assertion_in_a_bundle_breaks_its_inclusion_proof(
    scene: Scene,
) -> None:
    files = unzip(scene.honest)
    name = f"entries/{scene.handoff:012d}.json"
    doc = entry(files, scene.handoff)
    doc["signatures"][0]["signature"] = _flip(doc["signatures"][0]["signature"])
    files[name] = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
    report = check(scene, build_zip(list(files.items())))
    assert not report.ok
    assert f"entry {scene.handoff}: its inclusion proof does not lead" in report.summary()


# -- entries the server wrote that the rules would have refused -----------------------------


@pytest.mark.parametrize(
    ("forgery", "said"),
    [
        ("signature", "its signature (ES256) does not verify with the enrolled key"),
        ("authenticator data", "its authenticatorData says the user was not present"),
        ("client data", "its clientDataJSON's challenge is not the one derived from the command"),
        ("another person's key", "its key is enrolled to Jack Hale, not to Rosa Lind"),
        ("revoked before", "its key was revoked at position"),
    ],
)
def test_a_passkey_signature_the_rules_would_have_refused_fails_the_bundle(
    scene: Scene, forgery: str, said: str
) -> None:
    report = check(scene, scene.forged_bundle)
    assert not report.ok
    seq = scene.forged[forgery]
    mine = [p for p in report.problems if p.startswith(f"entry {seq}: ")]
    assert mine == [p for p in mine if f"entry {seq}: the passkey signature of rosa-lind: " in p]
    assert len(mine) == 1 and said in mine[0], report.problems


def test_the_honest_confirmation_still_verifies_beside_the_forged_ones(scene: Scene) -> None:
    report = check(scene, scene.forged_bundle)
    assert not any(p.startswith(f"entry {scene.handoff}:") for p in report.problems)
    assert len(report.problems) == len(scene.forged), report.problems


def test_the_server_refuses_to_export_a_bundle_its_verifier_refuses(scene: Scene) -> None:
    with pytest.raises(EvidenceError, match="the bundle made does not verify"):
        _export(scene.app)
