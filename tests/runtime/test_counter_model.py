"""Any sequence of counter operations matches a plain int wrapped to 64 bits."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from lockless import INT64_MAX, INT64_MIN, AtomicCounter, available_backends

int64s = st.integers(min_value=INT64_MIN, max_value=INT64_MAX)
near_edges = st.one_of(
    int64s,
    st.integers(min_value=-5, max_value=5),
    st.integers(min_value=INT64_MAX - 5, max_value=INT64_MAX),
    st.integers(min_value=INT64_MIN, max_value=INT64_MIN + 5),
)


def wrapped(value: int) -> int:
    return (value + 2**63) % 2**64 - 2**63


def machine_for(backend: str) -> type[RuleBasedStateMachine]:
    class CounterMatchesModel(RuleBasedStateMachine):
        counter: AtomicCounter
        model: int

        @initialize(initial=near_edges)
        def create(self, initial: int) -> None:
            self.counter = AtomicCounter(initial, backend=backend)
            self.model = initial

        @rule()
        def inc(self) -> None:
            self.counter.inc()
            self.model = wrapped(self.model + 1)

        @rule()
        def dec(self) -> None:
            self.counter.dec()
            self.model = wrapped(self.model - 1)

        @rule(n=near_edges)
        def add(self, n: int) -> None:
            self.counter.add(n)
            self.model = wrapped(self.model + n)

        @rule(n=near_edges)
        def add_through_handle(self, n: int) -> None:
            in_range = INT64_MIN <= self.model + n <= INT64_MAX
            if backend == "cereggii" and not in_range:
                # Documented: cereggii handles refuse instead of wrapping.
                with pytest.raises(OverflowError):
                    self.counter.handle().add(n)
                return
            self.counter.handle().add(n)
            self.model = wrapped(self.model + n)

        @rule(n=near_edges)
        def add_and_get(self, n: int) -> None:
            self.model = wrapped(self.model + n)
            assert self.counter.add_and_get(n) == self.model

        @rule(n=near_edges)
        def fetch_add(self, n: int) -> None:
            assert self.counter.fetch_add(n) == self.model
            self.model = wrapped(self.model + n)

        @rule(value=near_edges)
        def store(self, value: int) -> None:
            self.counter.store(value)
            self.model = value

        @rule(value=near_edges)
        def swap(self, value: int) -> None:
            assert self.counter.swap(value) == self.model
            self.model = value

        @rule(new=near_edges, hit=st.booleans(), miss=near_edges)
        def compare_and_set(self, new: int, hit: bool, miss: int) -> None:
            expected = self.model if hit else miss
            succeeded = self.counter.compare_and_set(expected, new)
            assert succeeded == (expected == self.model)
            if succeeded:
                self.model = new

        @invariant()
        def load_matches(self) -> None:
            if hasattr(self, "counter"):
                assert self.counter.load() == self.model

    return CounterMatchesModel


@pytest.mark.parametrize("backend", available_backends())
def test_counter_state_machine(backend: str) -> None:
    machine = machine_for(backend)
    machine.TestCase.settings = settings(
        max_examples=30,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    machine.TestCase().runTest()
