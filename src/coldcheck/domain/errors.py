"""Refusals and the domain's exceptions.

``decide`` never raises for a command that breaks a rule: it returns a
:class:`Refusal` carrying every :class:`Reason` that applies.  Exceptions are
for programming and data errors only::

    DomainError
     ├── InvalidCommand      a command could not be decided (wrong type, ...)
     ├── UnknownEntity       a query named a weapon, lot, ... that does not exist
     └── InvalidEvent        an envelope could not be turned back into an event
          └── UnknownEventType

Reason codes: ``R01``..``R29`` (DESIGN.md), ``INPUT`` (the command itself is
malformed or names something unknown) and ``AUTH`` (the actor's roles do not
allow the command and no safety rule is more specific).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """Why a command is refused or warned about: a rule code and what to do instead.

    ``message`` is the sentence without the code; ``str(reason)`` is
    ``"R08: only an armorer hands ... — give it back to Mara Voss."``.
    """

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class Refusal:
    """A command that was not accepted; nothing was written."""

    reasons: tuple[Reason, ...]

    @property
    def rules(self) -> tuple[str, ...]:
        """The rule codes, in order, without repeats."""
        return tuple(dict.fromkeys(r.rule for r in self.reasons))

    def __str__(self) -> str:
        return " ".join(str(r) for r in self.reasons)


class DomainError(Exception):
    """Base of every exception the domain raises."""


class InvalidCommand(DomainError):
    """A command could not be decided at all."""


class UnknownEntity(DomainError):
    """A query named something the production does not have."""


class InvalidEvent(DomainError):
    """A stored envelope could not be decoded into an event."""


class UnknownEventType(InvalidEvent):
    """The envelope's type name is not a known event type."""
