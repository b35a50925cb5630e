"""IdentityField: set once in the constructor, read-only afterwards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runtime_stress import run_threads

from lockless import IdentityField


class WorkerStats:
    worker_id = IdentityField[str]()
    shard = IdentityField[int]()

    def __init__(self, worker_id: str, shard: int) -> None:
        self.worker_id = worker_id
        self.shard = shard


class SlottedStats:
    __slots__ = ("_identity_name",)
    name = IdentityField[str]()

    def __init__(self, name: str) -> None:
        self.name = name


class TestIdentityField:
    """The first assignment sticks; any later one is refused."""

    def test_reads_the_value_set_in_the_constructor(self) -> None:
        stats = WorkerStats("w-1", 3)

        assert stats.worker_id == "w-1"
        assert stats.shard == 3

    def test_second_assignment_raises(self) -> None:
        stats = WorkerStats("w-1", 3)

        with pytest.raises(AttributeError, match="'worker_id'.*read-only"):
            stats.worker_id = "w-2"
        assert stats.worker_id == "w-1"

    def test_delete_raises(self) -> None:
        stats = WorkerStats("w-1", 3)

        with pytest.raises(AttributeError, match="cannot be deleted"):
            del stats.worker_id
        assert stats.worker_id == "w-1"

    def test_instances_are_independent(self) -> None:
        first = WorkerStats("a", 1)
        second = WorkerStats("b", 2)

        assert (first.worker_id, second.worker_id) == ("a", "b")

    def test_unset_field_says_so(self) -> None:
        stats = WorkerStats.__new__(WorkerStats)

        with pytest.raises(AttributeError, match="never set"):
            _ = stats.worker_id

    def test_class_access_returns_the_descriptor(self) -> None:
        assert isinstance(WorkerStats.__dict__["worker_id"], IdentityField)
        assert isinstance(WorkerStats.worker_id, IdentityField)

    def test_works_with_slots(self) -> None:
        stats = SlottedStats("edge")

        with pytest.raises(AttributeError):
            stats.name = "core"
        assert stats.name == "edge"

    def test_threads_read_without_a_lock(self) -> None:
        stats = WorkerStats("w-9", 9)
        seen: set[str] = set()

        run_threads(lambda _: seen.add(stats.worker_id))

        assert seen == {"w-9"}


class TestWriteOnceProperty:
    """Whatever is assigned after the first value, reads keep giving the first."""

    @given(
        first=st.one_of(st.text(), st.integers(), st.none()),
        later=st.lists(st.one_of(st.text(), st.integers(), st.none()), max_size=5),
    )
    def test_first_assignment_wins(self, first: object, later: list[object]) -> None:
        class Holder:
            name: IdentityField[object] = IdentityField()

            def __init__(self, value: object) -> None:
                self.name = value

        holder = Holder(first)

        for value in later:
            with pytest.raises(AttributeError):
                holder.name = value  # write-once: must raise
            assert holder.name == first
        assert holder.name == first
