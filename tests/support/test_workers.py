"""Forked worker processes: how many, results in order, errors and dead workers surface."""

from __future__ import annotations

import os
import sys
from concurrent.futures.process import BrokenProcessPool

import pytest

from agentctl.support.workers import JOBS_ENV, fork_map, worker_count


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    monkeypatch.delenv(JOBS_ENV, raising=False)


def test_worker_count_needs_enough_work_and_obeys_agentctl_jobs(
        two_cpus: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert worker_count(63, 32) == 1  # under two workers' worth: not worth a fork
    assert worker_count(64, 32) == 2
    assert worker_count(10_000, 32) == 2  # one per usable CPU
    monkeypatch.setenv(JOBS_ENV, "1")
    assert worker_count(10_000, 32) == 1
    monkeypatch.setenv(JOBS_ENV, "not a number")
    assert worker_count(10_000, 32) == 2
    monkeypatch.setattr(sys, "platform", "darwin")
    assert worker_count(10_000, 32) == 1  # spawn elsewhere: one process


def test_fork_map_keeps_the_order_and_sees_the_parents_memory() -> None:
    parents_only = {i: f"value {i}" for i in range(50)}  # never pickled: inherited by fork
    results = fork_map(lambda i: parents_only[i], 50, 2)
    assert results == [f"value {i}" for i in range(50)]
    pids = {pid for pid, _ in fork_map(lambda i: (os.getpid(), i), 50, 2)}
    assert pids and os.getpid() not in pids  # worked out in other processes


def test_fork_map_raises_what_the_task_raises() -> None:
    def task(i: int) -> int:
        if i == 7:
            raise ValueError("agent 7 broke")
        return i

    with pytest.raises(ValueError, match="agent 7 broke"):
        fork_map(task, 20, 2)


def test_a_worker_that_dies_raises_instead_of_hanging() -> None:
    def task(i: int) -> int:
        if i == 3:
            os._exit(9)  # killed, out of memory, …
        return i

    with pytest.raises(BrokenProcessPool):
        fork_map(task, 20, 2)


def test_fork_map_tells_how_many_are_done() -> None:
    for workers in (1, 3):
        seen: list[int] = []
        assert fork_map(lambda i: i * 2, 50, workers, seen.append) == [i * 2 for i in range(50)]
        assert sum(seen) == 50 and all(n > 0 for n in seen)
        assert len(seen) == (50 if workers == 1 else 12)  # per agent, or per chunk
