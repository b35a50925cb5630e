"""Counters on shared memory: lifecycle, layout checks, exact totals in processes."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Iterator
from multiprocessing import shared_memory

import pytest

pytest.importorskip(
    "atomics",
    reason="shared-memory counters need the 'atomics' package (lockless[shared])",
)

from shared_workers import (  # noqa: E402  (after the skip check, on purpose)
    RenamedCounters,
    ReorderedCounters,
    RetypedCounters,
    WorkerCounters,
    count_in_attached_segment,
    count_in_inherited_segment,
)

from lockless import AtomicCounter, AtomicTimestamp  # noqa: E402
from lockless.exceptions import LayoutMismatch  # noqa: E402

PROCESSES = 3
UPDATES = 2_000
EXPECTED_ERRORS = PROCESSES * 2 * len(range(0, UPDATES, 10))


@pytest.fixture
def counters() -> Iterator[WorkerCounters]:
    created = WorkerCounters.create()
    yield created
    created.close()
    created.unlink()


class TestLifecycle:
    """Create, attach, close and unlink."""

    def test_fields_are_runtime_objects(self, counters: WorkerCounters) -> None:
        assert isinstance(counters.requests, AtomicCounter)
        assert isinstance(counters.last_request, AtomicTimestamp)

    def test_starts_zeroed(self, counters: WorkerCounters) -> None:
        assert counters.snapshot() == {"requests": 0, "errors": 0, "last_request": 0}
        assert counters.last_request.load() is None

    def test_attached_object_sees_the_same_counters(
        self, counters: WorkerCounters
    ) -> None:
        counters.requests.add(5)

        with WorkerCounters.attach(counters.name) as other:
            other.requests.inc()
            other.last_request.store_ns(1_700_000_000_000_000_000)
            seen_by_other = other.requests.load()

        assert seen_by_other == 6
        assert counters.requests.load() == 6
        assert counters.last_request.load_ns() == 1_700_000_000_000_000_000

    def test_counter_operations_on_shared_memory(
        self, counters: WorkerCounters
    ) -> None:
        requests = counters.requests

        assert requests.add_and_get(3) == 3
        assert requests.fetch_add(2) == 3
        assert requests.swap(10) == 5
        assert requests.compare_and_set(10, 11) is True
        assert requests.load() == 11

    def test_fields_cannot_be_reassigned(self, counters: WorkerCounters) -> None:
        with pytest.raises(AttributeError, match="store"):
            counters.requests = 5

    def test_unlink_removes_the_name(self) -> None:
        created = WorkerCounters.create()
        name = created.name

        created.close()
        created.unlink()

        with pytest.raises(FileNotFoundError):
            WorkerCounters.attach(name)

    def test_closed_object_refuses_use(self) -> None:
        created = WorkerCounters.create()
        created.close()
        created.unlink()

        with pytest.raises(ValueError, match="closed"):
            created.requests.inc()


class TestLayout:
    """Attaching with a class of another layout raises LayoutMismatch."""

    @pytest.mark.parametrize(
        "other", [RenamedCounters, ReorderedCounters, RetypedCounters]
    )
    def test_different_layout_is_refused(
        self, counters: WorkerCounters, other: type[WorkerCounters]
    ) -> None:
        with pytest.raises(LayoutMismatch) as raised:
            other.attach(counters.name)

        message = str(raised.value)
        assert repr(counters.name) in message
        assert "'WorkerCounters'" in message
        assert other.__qualname__ in message

    def test_segment_without_header_is_refused(self) -> None:
        foreign = shared_memory.SharedMemory(create=True, size=256)
        try:
            with pytest.raises(LayoutMismatch, match="not a lockless segment"):
                WorkerCounters.attach(foreign.name)
        finally:
            foreign.close()
            foreign.unlink()


class TestProcesses:
    """Real processes count into the same segment with exact totals."""

    def test_spawned_workers_attach_by_name(self, counters: WorkerCounters) -> None:
        context = multiprocessing.get_context("spawn")
        workers = [
            context.Process(
                target=count_in_attached_segment, args=(counters.name, UPDATES)
            )
            for _ in range(PROCESSES)
        ]

        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

        assert [worker.exitcode for worker in workers] == [0] * PROCESSES
        assert counters.requests.load() == PROCESSES * UPDATES
        assert counters.errors.load() == EXPECTED_ERRORS
        assert counters.last_request.load_ns() > 0

    @pytest.mark.skipif(
        sys.platform != "linux", reason="fork start method is used on Linux only"
    )
    def test_forked_workers_share_the_parents_object(
        self, counters: WorkerCounters
    ) -> None:
        context = multiprocessing.get_context("fork")
        workers = [
            context.Process(target=count_in_inherited_segment, args=(counters, UPDATES))
            for _ in range(PROCESSES)
        ]

        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

        assert [worker.exitcode for worker in workers] == [0] * PROCESSES
        assert counters.requests.load() == PROCESSES * UPDATES
        assert counters.errors.load() == EXPECTED_ERRORS

    def test_segment_survives_an_attached_process_exiting(
        self, counters: WorkerCounters
    ) -> None:
        context = multiprocessing.get_context("spawn")
        worker = context.Process(
            target=count_in_attached_segment, args=(counters.name, 10)
        )

        worker.start()
        worker.join()

        with WorkerCounters.attach(counters.name) as again:
            assert again.requests.load() == 10
