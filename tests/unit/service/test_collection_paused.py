"""A replay pauses Python's cyclic garbage collector and resumes it after, as it found it.

``projections.collection_paused`` is process-wide (the collector is): nested pauses and a
pause in another thread resume it only when the last one ends, an error inside resumes
it, and a collector someone else turned off stays off.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from coldcheck.adapters.sql.projections import collection_paused


@pytest.fixture(autouse=True)
def collector_running() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_after() -> None:
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_nested_pause_leaves_it_off_until_the_outer_one_ends() -> None:
    with collection_paused():
        with collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_resumes_it() -> None:
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("replay failed")
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off() -> None:
    gc.disable()
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_a_pause_in_another_thread_keeps_it_off_until_both_end() -> None:
    inside, leave = threading.Event(), threading.Event()

    def other() -> None:
        with collection_paused():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    with collection_paused():
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread's replay still runs
    leave.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_rebuild_of_the_log_runs_with_it_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    from coldcheck.adapters.sql import projections

    seen: list[bool] = []

    def stream(_: object) -> Iterator[tuple[int, object]]:
        seen.append(gc.isenabled())
        yield from ()

    monkeypatch.setattr(projections, "stream_log", stream)
    projections.replay_log(None)  # type: ignore[arg-type]
    assert seen == [False]
    assert gc.isenabled()
