"""AtomicFloat: exact round trips, and no add lost under threads."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runtime_stress import STRESS_THREADS, ops_for, run_threads

from lockless import AtomicFloat


class TestOperations:
    """Single-threaded behaviour on every backend."""

    def test_add_load_store_swap(self, backend: str) -> None:
        value = AtomicFloat(1.5, backend=backend)

        value.add(2.25)
        value.add(-0.75)
        before = value.swap(10.0)
        value.store(value.load() + 1)

        assert before == 3.0
        assert value.load() == 11.0

    def test_ints_are_accepted_and_loaded_as_floats(self, backend: str) -> None:
        value = AtomicFloat(2, backend=backend)

        value.add(3)

        assert value.load() == 5.0
        assert isinstance(value.load(), float)

    def test_non_numbers_are_refused(self, backend: str) -> None:
        value = AtomicFloat(backend=backend)

        with pytest.raises(TypeError):
            value.store("1.0")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            value.add("1.0")  # type: ignore[arg-type]
        assert value.load() == 0.0

    @pytest.mark.parametrize("special", [-0.0, math.inf, -math.inf])
    def test_special_values_round_trip(self, backend: str, special: float) -> None:
        value = AtomicFloat(backend=backend)

        value.store(special)

        assert math.copysign(1.0, value.load()) == math.copysign(1.0, special)
        assert value.load() == special

    @settings(
        max_examples=50,
        deadline=None,
        # The backend fixture only names a backend; nothing to reset per example.
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(stored=st.floats(allow_nan=False))
    def test_store_then_load_is_bit_exact(self, backend: str, stored: float) -> None:
        value = AtomicFloat(backend=backend)

        value.store(stored)

        assert value.load().hex() == stored.hex()


class TestThreads:
    """Concurrent adds: integers below 2**53 sum exactly, so any loss shows."""

    def test_no_add_is_lost(self, backend: str) -> None:
        value = AtomicFloat(backend=backend)
        ops = ops_for(backend) // 2

        def work(index: int) -> None:
            amount = float(index + 1)
            for _ in range(ops):
                value.add(amount)

        run_threads(work)

        assert value.load() == ops * sum(range(1, STRESS_THREADS + 1))

    def test_fractions_sum_within_rounding(self, backend: str) -> None:
        value = AtomicFloat(backend=backend)
        ops = ops_for(backend) // 10

        def work(_: int) -> None:
            for _ in range(ops):
                value.add(0.1)

        run_threads(work)

        # Every add is there; only the order of the roundings may differ.
        assert value.load() == pytest.approx(0.1 * STRESS_THREADS * ops, rel=1e-9)
