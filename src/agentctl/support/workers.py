"""Fan work out to forked worker processes: a fleet's render and ``render --out`` writes.

Linux only, through the ``fork`` start method: a worker starts with the parent's memory
(the resolved catalogue, loaded templates), so nothing is imported, parsed or pickled on
the way in; each result is pickled on the way back. macOS and Windows start workers by
spawning a fresh interpreter, which would cost more than it saves, so there everything
runs in the calling process. ``AGENTCTL_JOBS=N`` caps the workers (``1``: none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: Environment variable capping the worker processes (a positive integer; 1: none).
JOBS_ENV = "AGENTCTL_JOBS"

_task: Callable[[int], Any] | None = None  # what forked workers run (inherited, not sent)


def worker_count(items: int, per_worker: int) -> int:
    """How many processes share ``items`` pieces of work, each worth starting only for at
    least ``per_worker`` of them: 1 (the caller alone) off Linux, without ``fork``, with
    one usable CPU or fewer than ``2 * per_worker`` items; else one per usable CPU, at
    most ``items // per_worker`` and at most :data:`JOBS_ENV` when that is set."""
    import os
    import sys

    if items < 2 * per_worker or not sys.platform.startswith("linux"):
        return 1
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    wanted = os.environ.get(JOBS_ENV, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        cpus = min(cpus, int(wanted))
    return max(1, min(cpus, items // per_worker))


def _run_chunk(chunk: list[int]) -> list[Any]:
    assert _task is not None
    return [_task(i) for i in chunk]


def fork_map(task: Callable[[int], T], count: int, workers: int,
             on_done: Callable[[int], None] | None = None) -> list[T]:
    """``[task(0), …, task(count - 1)]``, computed by ``workers`` forked processes (in
    this one when ``workers`` is 1), each taking interleaved indexes.

    ``task`` sees this process's memory as it is at the call; its results must pickle.
    ``on_done(n)`` is told, in this process, each time ``n`` more results are in (for a
    progress bar). Raises what ``task`` raises, and
    ``concurrent.futures.process.BrokenProcessPool`` when a worker dies (killed, out of
    memory) instead of hanging.
    """
    global _task
    if workers <= 1 or count == 0:
        serial = []
        for i in range(count):
            serial.append(task(i))
            if on_done is not None:
                on_done(1)
        return serial
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = [list(range(start, count, workers * 4)) for start in range(workers * 4)]
    _task = task
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) \
                as pool:
            parts = []
            for chunk, part in zip(chunks, pool.map(_run_chunk, chunks), strict=True):
                parts.append(part)
                if on_done is not None:
                    on_done(len(chunk))
    finally:
        _task = None
    results: list[Any] = [None] * count
    for chunk, part in zip(chunks, parts, strict=True):
        for index, result in zip(chunk, part, strict=True):
            results[index] = result
    return results
