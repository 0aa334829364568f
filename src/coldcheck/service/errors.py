"""The service layer's exceptions, translated to HTTP or exit codes at the edges.

ServiceError
├── Refused            a safety rule (or input check) refused the command: HTTP 409, exit 3
├── NotFound           no such production / weapon / lot visible to this person: 404
├── Forbidden          this person's role may not ask for this: 403
├── Unconfirmed        a confirmation (a PIN) was wrong, locked or missing: 403
└── StorageUnavailable the data folder or database cannot be written safely now: 503
     └── NotSigned     the server refuses to sign: its log does not extend its own last
                       signed head, or its clock is behind it: 503
"""

from __future__ import annotations

from coldcheck.domain.errors import Reason, Refusal


class ServiceError(Exception):
    """Base of every exception the service raises."""


class Refused(ServiceError):
    """The domain refused the command; ``reasons`` says every rule that applied.

    ``index`` is the 0-based position of the refused command in a batch (None
    for a single command).
    """

    def __init__(self, refusal: Refusal, index: int | None = None) -> None:
        self.refusal = refusal
        self.index = index
        super().__init__(str(refusal))

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """Every reason, each with its rule code."""
        return self.refusal.reasons


class NotFound(ServiceError):
    """Nothing by that id that this person may see."""


class Forbidden(ServiceError):
    """The person's roles do not allow this."""


class Unconfirmed(ServiceError):
    """A person's confirmation was refused (wrong or locked PIN, no PIN); nothing was recorded."""


class StorageUnavailable(ServiceError):
    """The store cannot take writes safely now (e.g. its database file was replaced); nothing
    was recorded. The message says what is wrong and what to do."""


class NotSigned(StorageUnavailable):
    """The server will not sign (and so record) anything now; the message says why.

    Either the stored log is not exactly the tree of the newest signed head (entries or
    heads changed outside coldcheck: run ``coldcheck verify``), or the clock reads well
    before the newest signed record (it was set back: correct it). Nothing was recorded.
    """
