"""Copies and pickles carry values, never the atomic they were read from."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timezone

from lockless import AtomicCounter, AtomicFloat, AtomicTimestamp


class TestCopies:
    """A copy starts at the value and then lives on its own."""

    def test_counter_copy_is_independent(self, backend: str) -> None:
        original = AtomicCounter(5, backend=backend)

        duplicate = copy.copy(original)
        deep = copy.deepcopy(original)
        original.inc()
        duplicate.add(10)

        assert (original.load(), duplicate.load(), deep.load()) == (6, 15, 5)
        assert duplicate.backend_name == original.backend_name

    def test_counter_pickle_round_trip(self, backend: str) -> None:
        original = AtomicCounter(-7, backend=backend)

        restored = pickle.loads(pickle.dumps(original))
        restored.inc()

        assert restored.load() == -6
        assert original.load() == -7

    def test_float_copy_and_pickle(self, backend: str) -> None:
        original = AtomicFloat(2.5, backend=backend)

        duplicate = copy.copy(original)
        restored = pickle.loads(pickle.dumps(original))
        original.add(1.0)

        assert (duplicate.load(), restored.load()) == (2.5, 2.5)

    def test_timestamp_copy_and_pickle_keep_kind_and_zone(self) -> None:
        moment = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
        original = AtomicTimestamp("datetime", tz=timezone.utc)
        original.store(moment)

        duplicate = copy.deepcopy(original)
        restored = pickle.loads(pickle.dumps(original))
        original.store(None)

        assert duplicate.load() == moment
        assert restored.load() == moment
        assert restored.kind == "datetime"

    def test_object_holding_counters_deep_copies(self, backend: str) -> None:
        class Stats:
            def __init__(self) -> None:
                self.hits = AtomicCounter(backend=backend)

        stats = Stats()
        stats.hits.add(3)

        clone = copy.deepcopy(stats)
        stats.hits.inc()

        assert clone.hits.load() == 3
