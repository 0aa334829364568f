"""The ``WebAuthn`` port on py_webauthn: options, registration and assertion checks.

Every library failure becomes ``PasskeyInvalid`` with the library's words, so the
service can say what was wrong. The library is given a current count of 0 (so it
accepts any counter): the signature counter is judged on the record instead — the key's
highest counter is part of the production's state, and the service, the rules and the
log check refuse one that does not advance (``domain.model.counter_advances``).

Enrolment accepts only the algorithms the bundle's standalone verifier checks offline
(``ENROLLED_ALGORITHMS``: ES256, EdDSA, RS256), so every passkey confirmation in the log
can be verified from a bundle without coldcheck.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from coldcheck.service.passkeys import PasskeyInvalid, StoredAssertion, b64url, unb64url

__all__ = ["ENROLLED_ALGORITHMS", "PyWebAuthn"]

ENROLLED_ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
"""What a passkey may sign with (in the browser's order of preference)."""

_FAILURES = (WebAuthnException, ValueError, KeyError, TypeError)


def _descriptors(ids: Sequence[str]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=unb64url(i)) for i in ids]


class PyWebAuthn:
    """WebAuthn ceremonies with py_webauthn (``webauthn`` on PyPI)."""

    def registration_options(
        self,
        *,
        rp_id: str,
        rp_name: str,
        user_id: bytes,
        user_name: str,
        display_name: str,
        challenge: bytes,
        exclude: Sequence[str],
    ) -> dict[str, Any]:
        """``navigator.credentials.create`` options, as JSON."""
        options = generate_registration_options(
            rp_id=rp_id,
            rp_name=rp_name,
            user_id=user_id,
            user_name=user_name,
            user_display_name=display_name,
            challenge=challenge,
            exclude_credentials=_descriptors(exclude),
            supported_pub_key_algs=ENROLLED_ALGORITHMS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.PREFERRED,
            ),
        )
        out: dict[str, Any] = json.loads(options_to_json(options))
        return out

    def verify_registration(
        self, credential: str, *, challenge: bytes, rp_id: str, origin: str
    ) -> tuple[str, str]:
        """The credential id and COSE public key (base64url) of a checked registration."""
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                supported_pub_key_algs=ENROLLED_ALGORITHMS,
            )
        except _FAILURES as exc:
            raise PasskeyInvalid(str(exc) or type(exc).__name__) from None
        return b64url(verified.credential_id), b64url(verified.credential_public_key)

    def authentication_options(
        self, *, rp_id: str, challenge: bytes, allow: Sequence[str]
    ) -> dict[str, Any]:
        """``navigator.credentials.get`` options, as JSON."""
        options = generate_authentication_options(
            rp_id=rp_id,
            challenge=challenge,
            allow_credentials=_descriptors(allow),
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        out: dict[str, Any] = json.loads(options_to_json(options))
        return out

    def parse_assertion(self, credential: str) -> StoredAssertion:
        """The parts of a ``navigator.credentials.get`` answer."""
        try:
            parsed = parse_authentication_credential_json(credential)
        except _FAILURES as exc:
            raise PasskeyInvalid(str(exc) or type(exc).__name__) from None
        if b64url(parsed.raw_id) != parsed.id:
            raise PasskeyInvalid("its id and raw id differ")
        r = parsed.response
        return StoredAssertion(
            credential=parsed.id,
            authenticator_data=b64url(r.authenticator_data),
            client_data_json=b64url(r.client_data_json),
            signature=b64url(r.signature),
        )

    def verify_assertion(
        self,
        assertion: StoredAssertion,
        *,
        challenge: bytes,
        rp_id: str,
        origin: str,
        public_key: str,
    ) -> None:
        """``PasskeyInvalid`` unless the assertion is a valid signature over ``challenge``."""
        credential = {
            "id": assertion.credential,
            "rawId": assertion.credential,
            "type": "public-key",
            "response": {
                "authenticatorData": assertion.authenticator_data,
                "clientDataJSON": assertion.client_data_json,
                "signature": assertion.signature,
            },
        }
        try:
            verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=rp_id,
                expected_origin=origin,
                credential_public_key=unb64url(public_key),
                credential_current_sign_count=0,
            )
        except _FAILURES as exc:
            raise PasskeyInvalid(str(exc) or type(exc).__name__) from None
