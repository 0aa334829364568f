"""The leader/follower queue under the custody writer: who commits, who waits, who gets what."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest

from coldcheck.service.group_commit import GroupCommit, Ticket


def _wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


class Recorder:
    """A ``run`` that records each group, answers ``n * 10`` and refuses odd numbers."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.fail: BaseException | None = None

    def __call__(self, tickets: Sequence[Ticket[int, int]]) -> None:
        self.hold.wait(30)
        self.groups.append([t.request for t in tickets])
        if self.fail is not None:
            raise self.fail
        for t in tickets:
            if t.request % 2:
                t.error = ValueError(f"{t.request} is odd")
            else:
                t.result = t.request * 10


def _submit_in_order(
    gc: GroupCommit[int, int], numbers: Sequence[int], outcomes: dict[int, object]
) -> list[threading.Thread]:
    """Start one thread per number, each queued before the next starts (arrival order)."""
    threads = []
    for n in numbers:
        before = gc.queued

        def call(n: int = n) -> None:
            try:
                outcomes[n] = gc.submit(n)
            except BaseException as exc:
                outcomes[n] = exc

        t = threading.Thread(target=call)
        t.start()
        threads.append(t)
        _wait_until(lambda before=before: gc.queued > before)  # type: ignore[misc]
    return threads


def _leader_held(gc: GroupCommit[int, int], run: Recorder, outcomes: dict[int, object]) -> None:
    """Request 0 leads a group of its own and is held inside ``run``."""
    run.hold.clear()

    def lead() -> None:
        try:
            outcomes[0] = gc.submit(0)
        except BaseException as exc:
            outcomes[0] = exc

    threading.Thread(target=lead).start()
    _wait_until(lambda: gc.groups == 1)


def test_requests_queued_while_a_group_commits_are_committed_together_in_arrival_order() -> None:
    run = Recorder()
    gc: GroupCommit[int, int] = GroupCommit(run)
    outcomes: dict[int, object] = {}
    _leader_held(gc, run, outcomes)
    threads = _submit_in_order(gc, [2, 4, 6, 8], outcomes)
    run.hold.set()
    for t in threads:
        t.join(30)
    _wait_until(lambda: 0 in outcomes)
    assert run.groups == [[0], [2, 4, 6, 8]]
    assert outcomes == {0: 0, 2: 20, 4: 40, 6: 60, 8: 80}
    assert (gc.groups, gc.largest) == (2, 4)


def test_a_request_the_group_refuses_gets_its_own_error_and_the_others_their_results() -> None:
    run = Recorder()
    gc: GroupCommit[int, int] = GroupCommit(run)
    outcomes: dict[int, object] = {}
    _leader_held(gc, run, outcomes)
    threads = _submit_in_order(gc, [2, 3, 4], outcomes)
    run.hold.set()
    for t in threads:
        t.join(30)
    assert outcomes[2] == 20 and outcomes[4] == 40
    assert isinstance(outcomes[3], ValueError) and str(outcomes[3]) == "3 is odd"


def test_when_the_group_fails_every_request_in_it_gets_the_error() -> None:
    run = Recorder()
    gc: GroupCommit[int, int] = GroupCommit(run)
    outcomes: dict[int, object] = {}
    _leader_held(gc, run, outcomes)
    threads = _submit_in_order(gc, [2, 4, 6], outcomes)
    run.fail = OSError("disk I/O error")
    run.hold.set()
    for t in threads:
        t.join(30)
    _wait_until(lambda: 0 in outcomes)
    assert all(outcomes[n] is run.fail for n in (0, 2, 4, 6))
    run.fail = None
    assert gc.submit(8) == 80  # the queue goes on after a failed group


def test_a_group_holds_at_most_max_group_requests_and_the_rest_lead_the_next() -> None:
    run = Recorder()
    gc: GroupCommit[int, int] = GroupCommit(run, max_group=2)
    outcomes: dict[int, object] = {}
    _leader_held(gc, run, outcomes)
    threads = _submit_in_order(gc, [2, 4, 6, 8, 10], outcomes)
    run.hold.set()
    for t in threads:
        t.join(30)
    _wait_until(lambda: 0 in outcomes)
    assert run.groups == [[0], [2, 4], [6, 8], [10]]
    assert outcomes == {0: 0, 2: 20, 4: 40, 6: 60, 8: 80, 10: 100}


def test_a_run_that_answers_nobody_is_an_error_never_a_silent_success() -> None:
    gc: GroupCommit[int, int] = GroupCommit(lambda tickets: None)
    with pytest.raises(RuntimeError, match="no outcome"):
        gc.submit(1)


def test_many_threads_each_get_their_own_answer() -> None:
    run = Recorder()
    gc: GroupCommit[int, int] = GroupCommit(run)
    outcomes: dict[int, object] = {}
    numbers = [2 * i for i in range(200)]
    threads = [
        threading.Thread(target=lambda n=n: outcomes.__setitem__(n, gc.submit(n)))  # type: ignore[misc]
        for n in numbers
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes == {n: n * 10 for n in numbers}
    assert sorted(n for group in run.groups for n in group) == numbers


def test_max_group_is_bounded() -> None:
    with pytest.raises(ValueError):
        GroupCommit(lambda tickets: None, max_group=0)
