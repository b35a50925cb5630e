"""Bytes per stats object of six counters, by number of live threads.

    python benchmarks/memory.py [--ft PATH_TO_FREE_THREADED_PYTHON]

Compares the object a service keeps before the migration (a six-field
dataclass plus its ``threading.Lock``) with the ``Atomic*`` class after it
(six runtime counters), once per backend. Backends that keep per-thread
state (``sharded``) grow with the threads that have written to them, so
every live thread updates every field of every object once before the
measurement, and stays alive while it is taken.

Memory is measured with ``tracemalloc``: the traced bytes still allocated
after building ``OBJECTS`` objects and letting the threads update them, minus
the traced bytes before (with the threads already started and warmed up on
one object of the same kind), divided by ``OBJECTS``. That counts everything
allocated through Python's allocators, including extension objects such as
cereggii's, and excludes thread stacks. Rows that cannot depend on threads
(the lock) show how much per-thread noise is left.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
import tracemalloc
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from runtime_backends import (
    backend_names,
    default_backend_name,
    interpreter_label,
    rerun_free_threaded,
)

from lockless import AtomicCounter

OBJECTS = 200
THREAD_COUNTS = (1, 4, 64)
FIELDS = ("requests", "hits", "misses", "errors", "retries", "bytes_sent")


@dataclass
class RequestStats:
    """Six counters, the shape of a typical service's stats dataclass."""

    requests: int = 0
    hits: int = 0
    misses: int = 0
    errors: int = 0
    retries: int = 0
    bytes_sent: int = 0


class LockedRequestStats:
    """Before: the dataclass and the lock that guards it."""

    def __init__(self) -> None:
        self.stats = RequestStats()
        self.lock = threading.Lock()

    def touch(self) -> None:
        with self.lock:
            for name in FIELDS:
                setattr(self.stats, name, getattr(self.stats, name) + 1)


class AtomicRequestStats:
    """After: one runtime counter per field."""

    def __init__(self, backend: str | None = None) -> None:
        self.counters = [AtomicCounter(backend=backend) for _ in FIELDS]

    def touch(self) -> None:
        for counter in self.counters:
            counter.inc()


def bytes_per_object(
    build: Callable[[], LockedRequestStats | AtomicRequestStats], threads: int
) -> float:
    """Traced bytes per object once ``threads`` live threads have updated it."""
    parked = threading.Barrier(threads + 1)
    go, release = threading.Event(), threading.Event()
    updated = threading.Barrier(threads + 1)
    objects: list[LockedRequestStats | AtomicRequestStats] = []
    warm_up = build()

    def worker() -> None:
        # One update of a throwaway object first, so per-thread, per-type state
        # (on 3.13t, each thread's reference counts of heap types) is made
        # before the baseline and not charged to the measured objects.
        warm_up.touch()
        parked.wait()
        go.wait()
        for item in objects:
            item.touch()
        updated.wait()
        release.wait()

    tracemalloc.start()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    parked.wait()
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]

    objects.extend(build() for _ in range(OBJECTS))
    go.set()
    updated.wait()
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]

    release.set()
    for thread in pool:
        thread.join()
    tracemalloc.stop()
    return (after - before) / OBJECTS


def measure_all() -> list[dict[str, object]]:
    build = interpreter_label()
    default = default_backend_name()
    subjects: dict[str, Callable[[], LockedRequestStats | AtomicRequestStats]] = {
        "dataclass + Lock": LockedRequestStats
    }
    for name in backend_names():
        mark = " (default)" if name == default else ""
        subjects[f"Atomic*, {name}{mark}"] = partial(AtomicRequestStats, name)
    return [
        {
            "build": build,
            "subject": label,
            "threads": threads,
            "bytes": bytes_per_object(make, threads),
        }
        for label, make in subjects.items()
        for threads in THREAD_COUNTS
    ]


def format_table(rows: list[dict[str, object]]) -> str:
    columns = list(dict.fromkeys((r["build"], r["threads"]) for r in rows))
    subjects = list(dict.fromkeys((r["build"], r["subject"]) for r in rows))
    cells = {(r["build"], r["subject"], r["threads"]): r["bytes"] for r in rows}
    threads = list(dict.fromkeys(t for _, t in columns))

    lines = [
        "| build | object | "
        + " | ".join(f"{t} thread{'s' * (t != 1)}" for t in threads)
        + " |"
    ]
    lines.append("|---|---|" + "---:|" * len(threads))
    for build, subject in subjects:
        values = [cells.get((build, subject, t)) for t in threads]
        shown = ["-" if v is None else f"{v:,.0f} B" for v in values]
        lines.append(f"| {build} | {subject} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ft", metavar="PATH", help="a free-threaded python to add")
    parser.add_argument("--json", action="store_true", help="print rows as JSON")
    args = parser.parse_args()

    rows = measure_all()
    if args.json:
        print(json.dumps(rows))
        return 0
    if args.ft:
        rows += rerun_free_threaded(args.ft, str(Path(__file__).resolve()))
    print(f"tracemalloc bytes per object of six counters, {OBJECTS} objects\n")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
