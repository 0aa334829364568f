"""Group commit: requests that arrive while a commit runs share the next one.

Many request threads call :meth:`GroupCommit.submit` at once (FastAPI runs sync handlers
in a thread pool). Each queues its request and waits. The first thread to find no
commit running becomes the *leader*: it takes everything queued (in arrival order, at
most ``max_group``), runs the group through ``run`` — one transaction, one fsync, one
signed head for all of them — then wakes the threads it answered (each returns its own
outcome) and hands the lead to the oldest request queued meanwhile, whose thread runs
the next group. No extra thread is needed, each waiting thread sleeps on its own
ticket (only the threads concerned wake), and nothing is answered before ``run``
returned, i.e. before the group's commit.

``run`` gives each :class:`Ticket` its own outcome (``result`` or ``error``); a ticket
it left without either gets the error ``run`` raised (or, if it raised nothing, a
``RuntimeError``: a bug, never a silent success).

Pure threading, no IO: ``service.custody`` decides what a group writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["MAX_GROUP", "GroupCommit", "Ticket"]

Req = TypeVar("Req")
Res = TypeVar("Res")

MAX_GROUP = 256
"""The most requests one group commits (a bound on one transaction's size)."""


class Ticket(Generic[Req, Res]):
    """One queued request and, once its group ran, its own outcome."""

    __slots__ = ("done", "error", "request", "result", "wake")

    def __init__(self, request: Req) -> None:
        self.request = request
        self.result: Res | None = None
        self.error: BaseException | None = None
        self.done = False
        self.wake = threading.Event()
        """Set when the ticket is done, or when its thread is to lead the next group."""

    def outcome(self) -> Res:
        """The result, or raise the request's own error."""
        if self.error is not None:
            raise self.error
        if self.result is None:
            raise RuntimeError("the group commit gave this request no outcome")
        return self.result


class GroupCommit(Generic[Req, Res]):
    """Leader/follower group commit over ``run`` (see the module docstring)."""

    def __init__(
        self,
        run: Callable[[Sequence[Ticket[Req, Res]]], None],
        max_group: int = MAX_GROUP,
    ) -> None:
        if not 1 <= max_group <= 10_000:
            raise ValueError("max_group must be between 1 and 10000")
        self._run = run
        self.max_group = max_group
        self._mutex = threading.Lock()
        self._queue: list[Ticket[Req, Res]] = []
        self._leading = False
        self.groups = 0
        """Groups committed so far (tests and the bench read it)."""
        self.largest = 0
        """The most requests one group held so far."""

    @property
    def queued(self) -> int:
        """Requests waiting for a group (not those a leader is committing)."""
        with self._mutex:
            return len(self._queue)

    def submit(self, request: Req) -> Res:
        """Queue ``request``, wait until its group ran, and return its own result."""
        ticket: Ticket[Req, Res] = Ticket(request)
        with self._mutex:
            self._queue.append(ticket)
            lead = not self._leading
            self._leading = True
        if not lead:
            ticket.wake.wait()
            if ticket.done:
                return ticket.outcome()
            # handed the lead: this ticket is the oldest one queued
        # The leader's ticket is always the oldest queued: a fresh leader found the queue
        # empty, a handed-over one was its head and everything since queued behind it.
        with self._mutex:
            group = self._queue[: self.max_group]
            del self._queue[: self.max_group]
            self.groups += 1
            self.largest = max(self.largest, len(group))
        assert group[0] is ticket
        try:
            self._lead(group)
        finally:
            with self._mutex:
                for t in group:
                    t.done = True
                    t.wake.set()
                following = self._queue[0] if self._queue else None
                if following is None:
                    self._leading = False
            if following is not None:
                following.wake.set()  # the oldest still waiting leads the next group
        return ticket.outcome()

    def _lead(self, group: Sequence[Ticket[Req, Res]]) -> None:
        """Run one group; every ticket leaves with an outcome."""
        try:
            self._run(group)
        except BaseException as exc:
            for t in group:
                if t.result is None and t.error is None:
                    t.error = exc
            if not isinstance(exc, Exception):
                raise
        for t in group:
            if t.result is None and t.error is None:
                t.error = RuntimeError("the group commit gave this request no outcome")
