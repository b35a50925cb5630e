"""Breaker metrics and state: record rules, snapshot rules, idempotent transitions."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runtime_stress import STRESS_THREADS, ops_for, run_threads

from lockless import (
    AtomicBreakerState,
    AtomicCircuitBreakerMetrics,
    BreakerState,
    CircuitBreakerSnapshot,
)

calls = st.lists(
    st.tuples(st.booleans(), st.integers(min_value=0, max_value=10**12)),
    max_size=60,
)


class TestMetrics:
    """Recording calls."""

    def test_empty_snapshot(self, backend: str) -> None:
        metrics = AtomicCircuitBreakerMetrics(backend=backend)

        snap = metrics.snapshot(BreakerState.CLOSED)

        assert snap == CircuitBreakerSnapshot(
            state=BreakerState.CLOSED,
            opened_at_ns=0,
            total_calls=0,
            successes=0,
            failures=0,
            consecutive_failures=0,
            half_open_calls=0,
            total_duration_ns=0,
            failure_rate=0.0,
            average_duration_ns=0,
        )

    def test_failures_count_up_and_success_resets_the_run(self, backend: str) -> None:
        metrics = AtomicCircuitBreakerMetrics(backend=backend)

        runs = [metrics.record_failure(10), metrics.record_failure(20)]
        metrics.record_success(30)
        runs.append(metrics.record_failure(40))

        assert runs == [1, 2, 1]
        snap = metrics.snapshot(BreakerState.OPEN, opened_at_ns=77)
        assert (snap.successes, snap.failures, snap.total_calls) == (1, 3, 4)
        assert snap.consecutive_failures == 1
        assert snap.total_duration_ns == 100
        assert snap.failure_rate == 0.75
        assert snap.average_duration_ns == 25
        assert (snap.state, snap.opened_at_ns) == (BreakerState.OPEN, 77)

    def test_half_open_calls(self, backend: str) -> None:
        metrics = AtomicCircuitBreakerMetrics(backend=backend)

        counted = [metrics.record_half_open_call() for _ in range(3)]
        metrics.reset_half_open()
        after_reset = metrics.record_half_open_call()

        assert counted == [1, 2, 3]
        assert after_reset == 1

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(recorded=calls)
    def test_snapshot_matches_a_sequential_model(
        self, backend: str, recorded: list[tuple[bool, int]]
    ) -> None:
        metrics = AtomicCircuitBreakerMetrics(backend=backend)
        run = 0
        for ok, duration in recorded:
            if ok:
                metrics.record_success(duration)
                run = 0
            else:
                run += 1
                assert metrics.record_failure(duration) == run

        snap = metrics.snapshot(BreakerState.CLOSED)

        failures = sum(1 for ok, _ in recorded if not ok)
        total = len(recorded)
        duration = sum(d for _, d in recorded)
        assert (snap.failures, snap.successes) == (failures, total - failures)
        assert snap.consecutive_failures == run
        assert snap.total_duration_ns == duration
        assert snap.total_calls == snap.successes + snap.failures
        assert snap.failure_rate == (failures / total if total else 0.0)
        assert snap.average_duration_ns == (duration // total if total else 0)

    def test_snapshot_taken_during_writes_is_self_consistent(
        self, backend: str
    ) -> None:
        metrics = AtomicCircuitBreakerMetrics(backend=backend)
        ops = ops_for(backend) // 10
        snapshots: list[CircuitBreakerSnapshot] = []

        def work(index: int) -> None:
            for step in range(ops):
                if index == 0:
                    snapshots.append(metrics.snapshot(BreakerState.CLOSED))
                elif step % 3:
                    metrics.record_success(5)
                else:
                    metrics.record_failure(5)

        run_threads(work)

        for snap in snapshots:
            assert snap.total_calls == snap.successes + snap.failures
            if snap.total_calls:
                assert snap.failure_rate == snap.failures / snap.total_calls
        final = metrics.snapshot(BreakerState.CLOSED)
        assert final.total_calls == (STRESS_THREADS - 1) * ops
        assert final.total_duration_ns == 5 * final.total_calls

    def test_exactly_one_failure_sees_the_threshold(self, backend: str) -> None:
        metrics = AtomicCircuitBreakerMetrics(backend=backend)
        threshold = 1000
        reached: list[int] = []

        def work(_: int) -> None:
            for _ in range(threshold // 2):
                if metrics.record_failure(1) == threshold:
                    reached.append(1)

        run_threads(work)

        assert len(reached) == 1


class TestState:
    """Transitions are idempotent stores; the opened-at time goes with OPEN."""

    def test_starts_closed_and_never_opened(self, backend: str) -> None:
        state = AtomicBreakerState(backend=backend)

        assert state.load() is BreakerState.CLOSED
        assert state.opened_at_ns() == 0

    def test_open_half_open_close(self, backend: str) -> None:
        state = AtomicBreakerState(backend=backend)

        state.open(1_000)
        opened = (state.load(), state.opened_at_ns())
        state.half_open()
        half = (state.load(), state.opened_at_ns())
        state.close()

        assert opened == (BreakerState.OPEN, 1_000)
        assert half == (BreakerState.HALF_OPEN, 1_000)
        assert (state.load(), state.opened_at_ns()) == (BreakerState.CLOSED, 0)

    def test_transitions_are_idempotent(self, backend: str) -> None:
        state = AtomicBreakerState(BreakerState.HALF_OPEN, backend=backend)

        state.open(5)
        state.open(5)
        state.close()
        state.close()

        assert state.load() is BreakerState.CLOSED

    def test_concurrent_opens_leave_one_of_the_times(self, backend: str) -> None:
        state = AtomicBreakerState(backend=backend)

        run_threads(lambda index: state.open(1_000 + index))

        assert state.load() is BreakerState.OPEN
        assert 1_000 <= state.opened_at_ns() < 1_000 + STRESS_THREADS

    def test_reader_that_sees_open_sees_a_time(self, backend: str) -> None:
        state = AtomicBreakerState(backend=backend)
        ops = ops_for(backend) // 20
        missing: list[int] = []

        def work(index: int) -> None:
            for step in range(ops):
                if index == 0:
                    state.open(step + 1)
                elif state.load() is BreakerState.OPEN and not state.opened_at_ns():
                    missing.append(step)

        run_threads(work)

        assert missing == []
