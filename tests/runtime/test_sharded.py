"""The sharded backend: per-thread cells, retirement of exited threads, mixed use,
and a total that adds took out of range."""

from __future__ import annotations

import copy
import threading

import pytest
from runtime_stress import STRESS_THREADS, ops_for, run_threads

from lockless import INT64_MAX, INT64_MIN, AtomicCounter
from lockless.runtime.sharded import ShardedCounter

SHORT_LIVED_THREADS = 1000


def sharded(initial: int = 0) -> ShardedCounter:
    counter = AtomicCounter(initial, backend="sharded")
    assert isinstance(counter, ShardedCounter)
    return counter


def settled_live_cells(counter: ShardedCounter, expected: int = 0) -> int:
    """Live cells once exited threads have released their storage.

    CPython frees a thread's locals as the thread finishes, normally before
    ``join`` returns; yielding a few times covers interpreters that free them
    a moment later. Bounded, so a leak still fails the test.
    """
    for _ in range(100):
        live = counter.live_cells()
        if live == expected:
            return live
        threading.Event().wait(0.01)
    return counter.live_cells()


class TestRetirement:
    """Counts of exited threads are folded into the total and their cells freed."""

    def test_thousand_short_lived_threads(self) -> None:
        counter = sharded()
        peak = 0

        for wave in range(SHORT_LIVED_THREADS // 10):
            threads = [
                threading.Thread(target=counter.add, args=(wave + 1,))
                for _ in range(10)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            peak = max(peak, counter.live_cells())

        expected = 10 * sum(range(1, SHORT_LIVED_THREADS // 10 + 1))
        assert settled_live_cells(counter) == 0
        assert peak <= 10
        assert counter.load() == expected

    def test_live_threads_keep_their_cells(self) -> None:
        counter = sharded()
        added = threading.Barrier(4)
        release = threading.Event()

        def work() -> None:
            counter.inc()
            added.wait()
            release.wait()

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        added.wait()
        live_while_running = counter.live_cells()
        release.set()
        for thread in threads:
            thread.join()

        assert live_while_running == 3
        assert settled_live_cells(counter) == 0
        assert counter.load() == 3

    def test_handle_keeps_counting_after_other_threads_exit(self) -> None:
        counter = sharded()
        handle = counter.handle()
        handle.add(5)

        worker = threading.Thread(target=counter.add, args=(7,))
        worker.start()
        worker.join()
        handle.inc()

        assert counter.load() == 13
        assert settled_live_cells(counter, expected=1) == 1


class TestMixedUse:
    """Store, swap and compare-and-set never lose a concurrent add."""

    def test_store_while_adding(self) -> None:
        counter = sharded()
        ops = ops_for("sharded")
        stores = 200
        seen_after_store: list[int] = []

        def work(index: int) -> None:
            if index == 0:
                for _ in range(stores):
                    counter.store(0)
                    seen_after_store.append(counter.load())
                return
            for _ in range(ops):
                counter.inc()

        run_threads(work)

        # Everything added after the last store is still there, and no store
        # made the counter negative or larger than all adds together.
        adds = (STRESS_THREADS - 1) * ops
        assert all(0 <= value <= adds for value in seen_after_store)
        assert 0 <= counter.load() <= adds
        counter.store(5)
        counter.inc()
        assert counter.load() == 6

    def test_drain_with_swap_accounts_for_every_add(self) -> None:
        counter = sharded()
        ops = ops_for("sharded")
        drained: list[int] = []

        def work(index: int) -> None:
            if index == 0:
                for _ in range(500):
                    drained.append(counter.swap(0))
                return
            handle = counter.handle()
            for _ in range(ops):
                handle.add(3)

        run_threads(work)

        assert sum(drained) + counter.swap(0) == 3 * (STRESS_THREADS - 1) * ops

    def test_store_resets_cells_written_by_other_threads(self) -> None:
        counter = sharded()
        other = threading.Thread(target=counter.add, args=(40,))
        other.start()
        other.join()
        counter.add(2)

        counter.store(10)
        counter.inc()

        assert counter.load() == 11


# What a read raises while adds have left the total out of range.
TOTAL_OUT_OF_RANGE = r"total .* store\(\)"


class TestTotalOutOfRange:
    """Adds cannot check the total; reads say so until it is back in range."""

    def test_inc_past_max_succeeds_and_reads_explain(self) -> None:
        counter = sharded(INT64_MAX)

        counter.inc()

        with pytest.raises(OverflowError, match=TOTAL_OUT_OF_RANGE) as raised:
            counter.load()
        message = str(raised.value)
        assert str(INT64_MAX + 1) in message
        assert "left unchanged" not in message

    def test_every_read_raises_until_store(self) -> None:
        counter = sharded(INT64_MIN)
        counter.handle().dec()

        for read in (
            counter.load,
            lambda: counter.add_and_get(0),
            lambda: counter.fetch_add(5),
            lambda: counter.swap(1),
            lambda: repr(counter),
            lambda: copy.copy(counter),
        ):
            with pytest.raises(OverflowError, match=TOTAL_OUT_OF_RANGE):
                read()
        assert counter.compare_and_set(INT64_MIN, 0) is False
        assert counter.compare_and_set(INT64_MIN - 1, 0) is False

        counter.store(7)
        assert counter.load() == 7

    def test_failed_reads_change_nothing(self) -> None:
        counter = sharded(INT64_MAX)
        counter.add(3)

        with pytest.raises(OverflowError, match=TOTAL_OUT_OF_RANGE):
            counter.fetch_add(-10)
        with pytest.raises(OverflowError, match=TOTAL_OUT_OF_RANGE):
            counter.swap(0)
        counter.add(-3)

        assert counter.load() == INT64_MAX

    def test_adds_from_other_threads_count_towards_the_total(self) -> None:
        counter = sharded(INT64_MAX - 1)
        other = threading.Thread(target=counter.add, args=(2,))
        other.start()
        other.join()

        with pytest.raises(OverflowError, match=TOTAL_OUT_OF_RANGE):
            counter.load()
        counter.dec()
        assert counter.load() == INT64_MAX

    def test_result_out_of_range_from_a_total_in_range(self) -> None:
        counter = sharded(INT64_MAX - 1)

        with pytest.raises(OverflowError, match="left unchanged"):
            counter.add_and_get(2)

        assert counter.load() == INT64_MAX - 1
