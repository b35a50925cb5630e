"""AtomicCounter operations, one backend at a time."""

from __future__ import annotations

import pytest

from lockless import INT64_MAX, INT64_MIN, AtomicCounter


class TestOperations:
    """Each operation gives the documented result on every backend."""

    def test_starts_at_initial_value(self, backend: str) -> None:
        counter = AtomicCounter(41, backend=backend)

        assert counter.load() == 41
        assert counter.backend_name == backend

    def test_inc_dec_add(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)

        counter.inc()
        counter.inc()
        counter.dec()
        counter.add(10)
        counter.add(-3)

        assert counter.load() == 8

    def test_add_and_get_returns_value_after(self, backend: str) -> None:
        counter = AtomicCounter(5, backend=backend)

        assert counter.add_and_get(3) == 8
        assert counter.load() == 8

    def test_fetch_add_returns_value_before(self, backend: str) -> None:
        counter = AtomicCounter(5, backend=backend)

        assert counter.fetch_add(3) == 5
        assert counter.load() == 8

    def test_store_and_swap(self, backend: str) -> None:
        counter = AtomicCounter(5, backend=backend)
        counter.inc()

        counter.store(100)
        old = counter.swap(7)

        assert old == 100
        assert counter.load() == 7

    def test_compare_and_set(self, backend: str) -> None:
        counter = AtomicCounter(5, backend=backend)

        assert counter.compare_and_set(4, 9) is False
        assert counter.load() == 5
        assert counter.compare_and_set(5, 9) is True
        assert counter.load() == 9

    def test_handle_adds_to_the_counter(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)

        handle = counter.handle()
        handle.inc()
        handle.add(4)
        handle.dec()

        assert counter.load() == 4

    def test_is_an_atomic_counter(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)

        assert isinstance(counter, AtomicCounter)
        assert repr(counter).endswith(f"backend={counter.backend_name!r}>")


class TestSixtyFourBits:
    """Nothing wraps: leaving 64 bits raises OverflowError and changes nothing."""

    def test_inc_past_max(self, backend: str) -> None:
        counter = AtomicCounter(INT64_MAX, backend=backend)

        if backend == "sharded":
            # Documented: the add lands in the thread's cell; reads report it.
            counter.inc()
            with pytest.raises(OverflowError):
                counter.load()
            counter.store(7)
            assert counter.load() == 7
        else:
            with pytest.raises(OverflowError):
                counter.inc()
            assert counter.load() == INT64_MAX

    def test_dec_past_min(self, backend: str) -> None:
        counter = AtomicCounter(INT64_MIN, backend=backend)

        if backend == "sharded":
            counter.dec()
            with pytest.raises(OverflowError):
                counter.fetch_add(0)
        else:
            with pytest.raises(OverflowError):
                counter.dec()
            assert counter.load() == INT64_MIN

    def test_read_modify_write_past_the_limits(self, backend: str) -> None:
        counter = AtomicCounter(INT64_MAX - 1, backend=backend)

        with pytest.raises(OverflowError):
            counter.add_and_get(2)
        with pytest.raises(OverflowError):
            counter.fetch_add(2)
        assert counter.add_and_get(1) == INT64_MAX
        assert counter.fetch_add(INT64_MIN) == INT64_MAX
        assert counter.load() == -1

    def test_limits_themselves_are_reachable(self, backend: str) -> None:
        counter = AtomicCounter(0, backend=backend)

        counter.add(INT64_MAX)
        top = counter.load()
        counter.store(0)
        counter.add(INT64_MIN)

        assert (top, counter.load()) == (INT64_MAX, INT64_MIN)

    @pytest.mark.parametrize("value", [INT64_MAX + 1, INT64_MIN - 1, 2**100])
    def test_out_of_range_values_raise(self, backend: str, value: int) -> None:
        counter = AtomicCounter(3, backend=backend)

        with pytest.raises(OverflowError):
            counter.store(value)
        with pytest.raises(OverflowError):
            counter.swap(value)
        with pytest.raises(OverflowError):
            counter.add(value)
        with pytest.raises(OverflowError):
            counter.add_and_get(value)
        with pytest.raises(OverflowError):
            AtomicCounter(value, backend=backend)

        assert counter.load() == 3

    def test_out_of_range_expected_never_matches(self, backend: str) -> None:
        counter = AtomicCounter(3, backend=backend)

        assert counter.compare_and_set(2**64 + 3, 1) is False
        assert counter.load() == 3

    def test_non_int_store_is_a_type_error(self, backend: str) -> None:
        counter = AtomicCounter(backend=backend)

        with pytest.raises(TypeError):
            counter.store(1.5)  # type: ignore[arg-type]
