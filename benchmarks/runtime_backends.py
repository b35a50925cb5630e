"""What the benchmarks measure: the runtime's backends, the stats shapes, the clock.

The shapes mirror a migration. ``LockedEventOwner`` is the code before it: a
stats dataclass updated under one ``threading.Lock``. ``AtomicEventStats`` is
the code after it, written the way the codemod writes an ``Atomic*`` class:
one runtime counter per field and a small ``record_*`` method.

Set ``LOCKLESS_BENCH_BACKENDS=cereggii,sharded`` to measure only some
backends (the free-threaded rerun inherits it). Run on its own, this module
prints the single-thread cost of each operation of each backend:

    python benchmarks/runtime_backends.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from lockless import AtomicCounter, available_backends

Operation = Callable[[], object]
REPO = Path(__file__).resolve().parents[1]


def interpreter_label() -> str:
    """e.g. ``3.13.5 free-threaded (GIL off)`` or ``3.11.7 (GIL)``."""
    version = ".".join(map(str, sys.version_info[:3]))
    probe = getattr(sys, "_is_gil_enabled", None)
    if probe is None:
        return f"{version} (GIL)"
    return f"{version} free-threaded (GIL {'on' if probe() else 'off'})"


def rerun_free_threaded(python: str, script: str, *args: str) -> Any:
    """Run ``script --json ARGS`` under ``python`` with ``PYTHON_GIL=0``; its JSON.

    The checkout goes first on ``PYTHONPATH`` so a bare interpreter imports
    this ``lockless``; backends it lacks (cereggii) are simply not measured.
    """
    env = dict(os.environ, PYTHON_GIL="0")
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), env.get("PYTHONPATH", "")])
    )
    command = [python, script, "--json", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def default_backend_name() -> str:
    return AtomicCounter().backend_name


def backend_names() -> tuple[str, ...]:
    """Available backends, or those of them in ``LOCKLESS_BENCH_BACKENDS``."""
    wanted = os.environ.get("LOCKLESS_BENCH_BACKENDS", "").replace(",", " ").split()
    return tuple(n for n in available_backends() if not wanted or n in wanted)


@dataclass(frozen=True)
class PerThread:
    """An operation each thread builds for itself, e.g. from ``counter.handle()``."""

    make: Callable[[], Operation]


def run_threads(operation: Operation | PerThread, threads: int, calls: int) -> float:
    """Call ``operation`` ``calls`` times on each of ``threads`` threads.

    The threads start together at a barrier; returns the wall seconds from
    the release to the last join. A ``PerThread`` is built in each thread
    before the barrier.
    """
    start = threading.Barrier(threads + 1)

    def worker() -> None:
        call = operation.make() if isinstance(operation, PerThread) else operation
        start.wait()
        for _ in range(calls):
            call()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    began = time.perf_counter()
    start.wait()
    for thread in pool:
        thread.join()
    return time.perf_counter() - began


def calls_for(operation: Operation | PerThread, seconds: float) -> int:
    """How many single-thread calls of ``operation`` take about ``seconds``."""
    trial = 20_000
    elapsed = run_threads(operation, 1, trial)
    estimate = int(seconds * trial / max(elapsed, 1e-9))
    return max(10_000, min(estimate, 2_000_000))


def ns_per_op(operation: Operation, threads: int, calls: int, repeats: int) -> float:
    """Median wall time per call over all threads (inverse total throughput)."""
    samples = [
        run_threads(operation, threads, calls) / (threads * calls) * 1e9
        for _ in range(repeats)
    ]
    return statistics.median(samples)


class LockedCounter:
    """The baseline single counter: ``with lock: self.value += 1``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def inc(self) -> None:
        with self._lock:
            self.value += 1

    def load(self) -> int:
        return self.value


@dataclass
class EventStats:
    """The stats type a service returns: two counters updated together."""

    events: int = 0
    units: int = 0


class LockedEventOwner:
    """Before the migration: both fields updated under one lock."""

    def __init__(self) -> None:
        self._stats = EventStats()
        self._stats_lock = threading.Lock()

    def on_event(self) -> None:
        with self._stats_lock:
            self._stats.events += 1
            self._stats.units += 3

    def snapshot(self) -> EventStats:
        with self._stats_lock:
            return EventStats(self._stats.events, self._stats.units)


class AtomicEventStats:
    """Lock-free counters replacing the lock around ``EventStats``."""

    def __init__(self, backend: str | None = None) -> None:
        self.events = AtomicCounter(backend=backend)
        self.units = AtomicCounter(backend=backend)

    def record_event(self) -> None:
        self.events.inc()
        self.units.add(3)

    def snapshot(self) -> EventStats:
        return EventStats(events=self.events.load(), units=self.units.load())


class AtomicEventOwner:
    """After the migration: the owner calls one ``record_*`` method."""

    def __init__(self, backend: str | None = None) -> None:
        self._stats = AtomicEventStats(backend)

    def on_event(self) -> None:
        self._stats.record_event()

    def snapshot(self) -> EventStats:
        return self._stats.snapshot()


def has_own_handle(backend: str) -> bool:
    """Whether ``handle()`` of this backend differs from ``inc()`` on the counter."""
    counter_type = type(AtomicCounter(backend=backend))
    return counter_type.handle is not AtomicCounter.handle


def operations_of(counter: AtomicCounter) -> dict[str, Operation]:
    """The counter operations worth timing, as zero-argument calls."""
    return {
        "inc()": counter.inc,
        "add(3)": lambda: counter.add(3),
        "fetch_add(1)": lambda: counter.fetch_add(1),
        "load()": counter.load,
    }


def main() -> int:
    names = backend_names()
    print(f"{interpreter_label()}, default backend {default_backend_name()!r}")
    print("single thread, median of 3, ns per call\n")
    rows = {name: operations_of(AtomicCounter(backend=name)) for name in names}
    operation_names = list(next(iter(rows.values())))
    print("| backend | " + " | ".join(operation_names) + " |")
    print("|---" * (len(operation_names) + 1) + "|")
    for name, operations in rows.items():
        cells = []
        for operation in operations.values():
            calls = calls_for(operation, 0.15)
            cells.append(f"{ns_per_op(operation, 1, calls, 3):.0f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
