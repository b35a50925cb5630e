"""Any sequence of counter operations matches a plain int limited to 64 bits."""

from __future__ import annotations

from collections.abc import Callable

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


def in_range(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def machine_for(backend: str) -> type[RuleBasedStateMachine]:
    # A sharded counter's adds cannot see the total: they always succeed and
    # reads report an out-of-range total instead (see lockless.runtime.counter).
    adds_always_succeed = backend == "sharded"

    class CounterMatchesModel(RuleBasedStateMachine):
        counter: AtomicCounter
        model: int

        @initialize(initial=near_edges)
        def create(self, initial: int) -> None:
            self.counter = AtomicCounter(initial, backend=backend)
            self.model = initial

        def blind_add(self, n: int, add: Callable[[], object]) -> None:
            if adds_always_succeed or in_range(self.model + n):
                add()
                self.model += n
                return
            with pytest.raises(OverflowError):
                add()

        @rule()
        def inc(self) -> None:
            self.blind_add(1, self.counter.inc)

        @rule()
        def dec(self) -> None:
            self.blind_add(-1, self.counter.dec)

        @rule(n=near_edges)
        def add(self, n: int) -> None:
            self.blind_add(n, lambda: self.counter.add(n))

        @rule(n=near_edges)
        def add_through_handle(self, n: int) -> None:
            self.blind_add(n, lambda: self.counter.handle().add(n))

        @rule(n=near_edges)
        def add_and_get(self, n: int) -> None:
            if in_range(self.model) and in_range(self.model + n):
                self.model += n
                assert self.counter.add_and_get(n) == self.model
                return
            with pytest.raises(OverflowError):
                self.counter.add_and_get(n)

        @rule(n=near_edges)
        def fetch_add(self, n: int) -> None:
            if in_range(self.model) and in_range(self.model + n):
                assert self.counter.fetch_add(n) == self.model
                self.model += n
                return
            with pytest.raises(OverflowError):
                self.counter.fetch_add(n)

        @rule(value=near_edges)
        def store(self, value: int) -> None:
            self.counter.store(value)
            self.model = value

        @rule(value=near_edges)
        def swap(self, value: int) -> None:
            if not in_range(self.model):
                with pytest.raises(OverflowError):
                    self.counter.swap(value)
                return
            assert self.counter.swap(value) == self.model
            self.model = value

        @rule(new=near_edges, hit=st.booleans(), miss=near_edges)
        def compare_and_set(self, new: int, hit: bool, miss: int) -> None:
            expected = self.model if hit and in_range(self.model) else miss
            succeeded = self.counter.compare_and_set(expected, new)
            assert succeeded == (expected == self.model)
            if succeeded:
                self.model = new

        @invariant()
        def load_matches(self) -> None:
            if not hasattr(self, "counter"):
                return
            if in_range(self.model):
                assert self.counter.load() == self.model
            else:
                with pytest.raises(OverflowError):
                    self.counter.load()

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
