"""Per-operation cost of the runtime against the lock it replaces.

    python benchmarks/record_vs_lock.py [--ft PATH_TO_FREE_THREADED_PYTHON]

Two groups, each compared with its own lock baseline:

- one increment: ``with lock: n += 1`` against every backend's ``inc()``,
  and ``handle().inc()`` (one handle per thread) where a backend has its own;
- a two-field update: both fields under one lock (``LockedEventOwner``)
  against ``record_event()`` on the ``Atomic*`` class the codemod writes
  (``AtomicEventOwner``), once per backend.

The current interpreter runs 1 and 4 threads; each number is the median of
three rounds that take every case in turn. With ``--ft`` the script runs
itself again under that free-threaded interpreter with ``PYTHON_GIL=0`` at 1,
2 and 4 threads. Every run checks the final totals, so a fast but lossy
result shows up as ``LOST``. Prints one markdown table, ratios to the lock
of the same group, build and thread count, then the plan's targets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Union

from runtime_backends import (
    AtomicEventOwner,
    LockedCounter,
    LockedEventOwner,
    Operation,
    PerThread,
    backend_names,
    calls_for,
    default_backend_name,
    has_own_handle,
    interpreter_label,
    rerun_free_threaded,
    run_threads,
)

from lockless import AtomicCounter

REPEATS = 3
SECONDS_PER_RUN = 0.2

# A case builds a fresh subject and returns (operation, read_total, per_call),
# where read_total() must equal calls * per_call after the run.
Subject = tuple[Union[Operation, PerThread], Callable[[], int], int]


@dataclass
class Case:
    group: str
    label: str
    make: Callable[[], Subject]
    baseline: bool = False


@dataclass
class Row:
    build: str
    threads: int
    group: str
    label: str
    ns: float
    exact: bool
    baseline: bool


def locked_counter() -> Subject:
    counter = LockedCounter()
    return counter.inc, counter.load, 1


def atomic_counter(backend: str) -> Callable[[], Subject]:
    def make() -> Subject:
        counter = AtomicCounter(backend=backend)
        return counter.inc, counter.load, 1

    return make


def counter_handle(backend: str) -> Callable[[], Subject]:
    def make() -> Subject:
        counter = AtomicCounter(backend=backend)
        return PerThread(lambda: counter.handle().inc), counter.load, 1

    return make


def locked_record() -> Subject:
    owner = LockedEventOwner()

    def total() -> int:
        stats = owner.snapshot()
        return stats.events + stats.units

    return owner.on_event, total, 4


def atomic_record(backend: str) -> Callable[[], Subject]:
    def make() -> Subject:
        owner = AtomicEventOwner(backend)

        def total() -> int:
            stats = owner.snapshot()
            return stats.events + stats.units

        return owner.on_event, total, 4

    return make


def build_cases() -> list[Case]:
    default = default_backend_name()
    cases = [Case("one increment", "`with lock: n += 1`", locked_counter, True)]
    for name in backend_names():
        mark = " (default)" if name == default else ""
        cases.append(
            Case("one increment", f"{name}{mark} `inc()`", atomic_counter(name))
        )
        if has_own_handle(name):
            label = f"{name}{mark} `handle().inc()`, a handle per thread"
            cases.append(Case("one increment", label, counter_handle(name)))
    cases.append(Case("two fields", "both fields under one lock", locked_record, True))
    for name in backend_names():
        mark = " (default)" if name == default else ""
        label = f"{name}{mark} `record_event()`"
        cases.append(Case("two fields", label, atomic_record(name)))
    return cases


def sample(case: Case, threads: int, calls: int) -> tuple[float, bool]:
    """One timed run on a fresh subject: (ns per call, whether totals are exact)."""
    operation, read_total, per_call = case.make()
    seconds = run_threads(operation, threads, calls)
    exact = read_total() == threads * calls * per_call
    return seconds / (threads * calls) * 1e9, exact


def run_here(thread_counts: list[int]) -> list[Row]:
    """Median of REPEATS rounds; each round runs every case once, in turn.

    Interleaving the rounds spreads a burst of load from elsewhere on the
    machine over all cases, so the ratios to the lock suffer less from it.
    """
    build, cases = interpreter_label(), build_cases()
    calls = [calls_for(case.make()[0], SECONDS_PER_RUN) for case in cases]
    samples: dict[tuple[int, int], list[float]] = {}
    exact: dict[tuple[int, int], bool] = {}
    for _ in range(REPEATS):
        for threads in thread_counts:
            for index, case in enumerate(cases):
                ns, ok = sample(case, threads, calls[index])
                samples.setdefault((threads, index), []).append(ns)
                exact[(threads, index)] = exact.get((threads, index), True) and ok

    return [
        Row(
            build,
            threads,
            case.group,
            case.label,
            statistics.median(samples[(threads, index)]),
            exact[(threads, index)],
            case.baseline,
        )
        for threads in thread_counts
        for index, case in enumerate(cases)
    ]


def run_free_threaded(python: str) -> list[Row]:
    script = str(Path(__file__).resolve())
    found = rerun_free_threaded(python, script, "--threads", "1,2,4")
    return [Row(**fields) for fields in found]


def format_table(rows: list[Row]) -> str:
    columns = sorted({(row.build, row.threads) for row in rows}, key=lambda c: c)
    baselines = {(r.build, r.threads, r.group): r.ns for r in rows if r.baseline}
    cells = {(r.group, r.label, r.build, r.threads): r for r in rows}
    labels = list(dict.fromkeys((r.group, r.label) for r in rows))

    head = [f"{build}, {threads}T" for build, threads in columns]
    lines = ["| group | case | " + " | ".join(head) + " |"]
    lines.append("|---|---|" + "---:|" * len(columns))
    for group, label in labels:
        out = []
        for build, threads in columns:
            row = cells.get((group, label, build, threads))
            if row is None:
                out.append("-")
                continue
            ratio = row.ns / baselines[(build, threads, group)]
            flag = "" if row.exact else " LOST"
            out.append(f"{row.ns:.0f} ns ({ratio:.2f}x){flag}")
        lines.append(f"| {group} | {label} | " + " | ".join(out) + " |")
    return "\n".join(lines)


def format_targets(rows: list[Row]) -> str:
    """The plan: default backend <= 0.5x the lock (GIL), <= 0.3x at 2T (no GIL).

    The verdict is on ``inc()``, the call the codemod generates; a handle row
    of the default backend is listed after it for reference.
    """
    baselines = {(r.build, r.threads, r.group): r.ns for r in rows if r.baseline}
    lines = []
    for row in rows:
        if row.group != "one increment" or "(default)" not in row.label:
            continue
        free = "free-threaded" in row.build
        if free and row.threads != 2:
            continue
        limit = 0.3 if free else 0.5
        ratio = row.ns / baselines[(row.build, row.threads, row.group)]
        verdict = "met" if ratio <= limit else f"MISSED by {ratio / limit:.1f}x"
        if "handle()" in row.label:
            verdict = f"reference only, would be {verdict}"
        lines.append(
            f"- {row.build}, {row.threads}T: {row.label} at {ratio:.2f}x the lock, "
            f"target <= {limit}x: {verdict}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ft", metavar="PATH", help="a free-threaded python to add")
    parser.add_argument("--threads", default="1,4", help="thread counts, e.g. 1,4")
    parser.add_argument("--json", action="store_true", help="print rows as JSON")
    args = parser.parse_args()

    rows = run_here([int(n) for n in args.threads.split(",")])
    if args.json:
        print(json.dumps([asdict(row) for row in rows]))
        return 0
    if args.ft:
        rows += run_free_threaded(args.ft)
    print(f"ns per operation, median of {REPEATS}; (ratio to the lock of the group)\n")
    print(format_table(rows))
    print("\nTargets:\n" + format_targets(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
