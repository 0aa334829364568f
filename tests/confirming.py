"""Confirmations over HTTP, as a script does them: ask for a challenge, confirm, send the ids.

``confirmations(client, base, command, body, people)`` returns the ids to put in
the command's ``confirmations``; ``client`` is an ``httpx.Client`` (or anything
with ``post``) already carrying the asker's bearer token, ``base`` the
production's path (``/api/v1/productions/dry-gulch``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import httpx

DEMO_PINS = {
    "mara-voss": "2468",
    "eli-tran": "1357",
    "dana-ortiz": "3690",
    "jack-hale": "1212",
    "rosa-lind": "3434",
    "sam-kee": "5656",
    "priya-nair": "7878",
    "tom-reyes": "9090",
}


class NotConfirmed(Exception):
    """The challenge or a confirmation was refused: the answer is kept."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(f"{response.status_code}: {response.text}")


def challenge(
    client: Any,
    base: str,
    command: str,
    body: dict[str, Any],
    before: Sequence[dict[str, Any]] = (),
) -> httpx.Response:
    """POST the challenge request (the answer as it comes)."""
    return client.post(  # type: ignore[no-any-return]
        f"{base}/confirmations",
        json={"command": command, "body": body, "before": list(before)},
    )


def confirmations(
    client: Any,
    base: str,
    command: str,
    body: dict[str, Any],
    people: Iterable[str],
    before: Sequence[dict[str, Any]] = (),
    pins: dict[str, str] | None = None,
) -> list[str]:
    """Ask, confirm as each of ``people`` with their demo PIN; the confirmation ids."""
    asked = challenge(client, base, command, body, before)
    if asked.status_code != 201:
        raise NotConfirmed(asked)
    ch = asked.json()["challenge"]
    ids = []
    for person in people:
        given = client.post(
            f"{base}/confirmations/{ch}",
            json={"person": person, "pin": (pins or DEMO_PINS)[person]},
        )
        if given.status_code != 201:
            raise NotConfirmed(given)
        ids.append(given.json()["confirmation"])
    return ids
