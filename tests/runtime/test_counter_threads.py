"""No update is lost when threads hammer one counter, on every backend."""

from __future__ import annotations

from runtime_stress import STRESS_THREADS, ops_for, run_threads

from lockless import AtomicCounter


class TestExactTotals:
    """Concurrent updates add up exactly."""

    def test_inc_from_many_threads(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)
        ops = ops_for(backend)

        def work(_: int) -> None:
            for _ in range(ops):
                counter.inc()

        run_threads(work)

        assert counter.load() == STRESS_THREADS * ops

    def test_mixed_add_and_dec(self, backend: str) -> None:
        counter = AtomicCounter(1000, backend=backend)
        ops = ops_for(backend)

        def work(index: int) -> None:
            for step in range(ops):
                if index % 2:
                    counter.add(step % 7)
                else:
                    counter.dec()

        run_threads(work)

        per_adder = sum(step % 7 for step in range(ops))
        expected = 1000 + (STRESS_THREADS // 2) * (per_adder - ops)
        assert counter.load() == expected

    def test_handles_from_many_threads(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)
        ops = ops_for(backend)

        def work(_: int) -> None:
            handle = counter.handle()
            for _ in range(ops):
                handle.inc()

        run_threads(work)

        assert counter.load() == STRESS_THREADS * ops


class TestReadModifyWrite:
    """Operations that return a value stay atomic with respect to each other."""

    def test_add_and_get_gives_unique_ids(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)
        ops = ops_for(backend) // 10
        seen: list[list[int]] = [[] for _ in range(STRESS_THREADS)]

        def work(index: int) -> None:
            mine = seen[index]
            for _ in range(ops):
                mine.append(counter.add_and_get(1))

        run_threads(work)

        ids = [value for values in seen for value in values]
        assert sorted(ids) == list(range(1, STRESS_THREADS * ops + 1))

    def test_fetch_add_and_inc_together(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)
        ops = ops_for(backend) // 10
        fetched: list[list[int]] = [[] for _ in range(STRESS_THREADS)]

        def work(index: int) -> None:
            for _ in range(ops):
                if index % 2:
                    fetched[index].append(counter.fetch_add(2))
                else:
                    counter.inc()

        run_threads(work)

        befores = [value for values in fetched for value in values]
        assert len(set(befores)) == len(befores)
        assert counter.load() == (STRESS_THREADS // 2) * ops * 3

    def test_compare_and_set_loop_loses_nothing(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)
        ops = ops_for(backend) // 10

        def work(index: int) -> None:
            for _ in range(ops):
                if index % 2:
                    counter.inc()
                    continue
                while True:
                    current = counter.load()
                    if counter.compare_and_set(current, current + 1):
                        break

        run_threads(work)

        assert counter.load() == STRESS_THREADS * ops

    def test_swap_hands_out_every_increment_once(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)
        ops = ops_for(backend) // 10
        drained: list[int] = []

        def work(index: int) -> None:
            for _ in range(ops):
                if index == 0:
                    drained.append(counter.swap(0))
                else:
                    counter.inc()

        run_threads(work)

        drained.append(counter.swap(0))
        assert sum(drained) == (STRESS_THREADS - 1) * ops
