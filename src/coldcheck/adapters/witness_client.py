"""Talking to witnesses over HTTP with the standard library (``urllib``), with timeouts."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

from coldcheck.ledger.note import MAX_NOTE_BYTES
from coldcheck.ledger.witness_protocol import ADD_CHECKPOINT_PATH, MAX_RESPONSE_BYTES
from coldcheck.service.witnessing import WitnessAnswer, WitnessUnreachable

__all__ = ["HttpWitnessClient"]


class HttpWitnessClient:
    """``WitnessClient`` over HTTP; ``timeout`` seconds for each request."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def add_checkpoint(self, url: str, body: bytes) -> WitnessAnswer:
        """``POST url/add-checkpoint``: the witness's status, content type and body."""
        request = urllib.request.Request(
            url.rstrip("/") + ADD_CHECKPOINT_PATH,
            data=body,
            method="POST",
            headers={"content-type": "text/plain; charset=utf-8", "user-agent": "coldcheck"},
        )
        return self._send(request, MAX_RESPONSE_BYTES)

    def latest_checkpoint(self, url: str, origin: str) -> bytes:
        """``GET url/<sha256 hex of the origin>/checkpoint``: the newest checkpoint it cosigned."""
        digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()
        request = urllib.request.Request(
            f"{url.rstrip('/')}/{digest}/checkpoint", headers={"user-agent": "coldcheck"}
        )
        answer = self._send(request, MAX_NOTE_BYTES)
        if answer.status != 200:
            text = answer.body[:200].decode("utf-8", "replace").strip()
            raise WitnessUnreachable(f"{url} answered {answer.status}: {text}")
        return answer.body

    def _send(self, request: urllib.request.Request, limit: int) -> WitnessAnswer:
        if not request.full_url.startswith(("http://", "https://")):
            raise WitnessUnreachable(f"{request.full_url[:80]} is not an http(s) address")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return WitnessAnswer(
                    response.status,
                    response.headers.get("content-type", ""),
                    _read(response, limit),
                )
        except urllib.error.HTTPError as exc:
            with exc:
                return WitnessAnswer(
                    exc.code, exc.headers.get("content-type", ""), _read(exc, limit)
                )
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise WitnessUnreachable(str(getattr(exc, "reason", exc))) from None


def _read(response: object, limit: int) -> bytes:
    data = response.read(limit + 1)  # type: ignore[attr-defined]
    if len(data) > limit:
        raise WitnessUnreachable(f"the witness answered with more than {limit} bytes")
    return bytes(data)
