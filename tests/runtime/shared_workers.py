"""Shared-stats classes and worker functions that child processes import by name."""

from __future__ import annotations

from lockless.runtime.shared import SharedCounter, SharedStats, SharedTimestamp


class WorkerCounters(SharedStats):
    requests = SharedCounter()
    errors = SharedCounter()
    last_request = SharedTimestamp()


class RenamedCounters(SharedStats):
    requests = SharedCounter()
    failures = SharedCounter()
    last_request = SharedTimestamp()


class ReorderedCounters(SharedStats):
    errors = SharedCounter()
    requests = SharedCounter()
    last_request = SharedTimestamp()


class RetypedCounters(SharedStats):
    requests = SharedCounter()
    errors = SharedCounter()
    last_request = SharedCounter()


def count_in_attached_segment(name: str, updates: int) -> None:
    """A worker that did not fork from the creator: attach by name, count, close."""
    counters = WorkerCounters.attach(name)
    try:
        for step in range(updates):
            counters.requests.inc()
            if step % 10 == 0:
                counters.errors.add(2)
        counters.last_request.touch()
    finally:
        counters.close()


def count_in_inherited_segment(counters: WorkerCounters, updates: int) -> None:
    """A pre-fork worker: use the object the parent created before forking."""
    for step in range(updates):
        counters.requests.inc()
        if step % 10 == 0:
            counters.errors.add(2)
