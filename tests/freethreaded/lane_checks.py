"""Checks that run inside the free-threaded interpreter; each prints one JSON value.

Run by ``test_lane.py`` in a subprocess of the lane's venv:

    python lane_checks.py backends
    python lane_checks.py gil
    python lane_checks.py hammer BACKEND THREADS UPDATES
    python lane_checks.py canary THREADS UPDATES

Standard library and ``lockless`` only, so it runs on any interpreter.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Callable


def gil_enabled() -> bool:
    """Whether the GIL is on now (always True on builds that have no switch)."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def run_threads(work: Callable[[], None], threads: int) -> float:
    """Run ``work`` on ``threads`` threads released together; return wall seconds."""
    start = threading.Barrier(threads + 1)

    def worker() -> None:
        start.wait()
        work()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    began = time.perf_counter()
    start.wait()
    for thread in pool:
        thread.join()
    return time.perf_counter() - began


def list_backends() -> list[str]:
    from lockless import available_backends

    return list(available_backends())


def check_gil() -> dict[str, bool]:
    """GIL state after importing lockless, then after using each backend."""
    report = {}
    import lockless

    report["import lockless"] = gil_enabled()
    for name in lockless.available_backends():
        counter = lockless.AtomicCounter(backend=name)
        counter.inc()
        report[f"backend {name}"] = gil_enabled()
    return report


def hammer(backend: str, threads: int, updates: int) -> dict[str, object]:
    """Every thread increments one shared counter ``updates`` times."""
    from lockless import AtomicCounter

    counter = AtomicCounter(backend=backend)

    def work() -> None:
        inc = counter.inc
        for _ in range(updates):
            inc()

    seconds = run_threads(work, threads)
    return {
        "backend": backend,
        "expected": threads * updates,
        "total": counter.load(),
        "seconds": round(seconds, 3),
        "gil_enabled": gil_enabled(),
    }


class PlainStats:
    """An unguarded counter: what the runtime exists to replace."""

    def __init__(self) -> None:
        self.hits = 0


def canary(threads: int, updates: int) -> dict[str, object]:
    """Plain ``obj.hits += 1`` from many threads; without a GIL it loses updates."""
    stats = PlainStats()

    def work() -> None:
        for _ in range(updates):
            stats.hits += 1

    seconds = run_threads(work, threads)
    return {
        "expected": threads * updates,
        "total": stats.hits,
        "seconds": round(seconds, 3),
        "gil_enabled": gil_enabled(),
    }


def main(argv: list[str]) -> int:
    command, args = argv[0], argv[1:]
    if command == "backends":
        result: object = list_backends()
    elif command == "gil":
        result = check_gil()
    elif command == "hammer":
        result = hammer(args[0], int(args[1]), int(args[2]))
    elif command == "canary":
        result = canary(int(args[0]), int(args[1]))
    else:
        print(f"unknown check {command!r}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
