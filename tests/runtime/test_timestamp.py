"""AtomicTimestamp: epoch nanoseconds, 0 as never, exact float round trips."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from runtime_stress import run_threads

from lockless import AtomicTimestamp, datetime_to_ns, ns_to_seconds, seconds_to_ns

# From 2**23 s (about 97 days after 1970) to the last int64 nanosecond.
wall_clock_seconds = st.floats(min_value=2.0**23, max_value=9.2e9)
small_seconds = st.floats(min_value=1e-9, max_value=2.0**23)
UTC = timezone.utc


class TestFloatKind:
    """Seconds as floats."""

    def test_never_is_none(self, backend: str) -> None:
        stamp = AtomicTimestamp(backend=backend)

        assert stamp.load() is None
        assert stamp.load_ns() == 0

    def test_none_resets_to_never(self, backend: str) -> None:
        stamp = AtomicTimestamp(backend=backend)
        stamp.store(1.5e9)

        stamp.store(None)

        assert stamp.load() is None

    def test_time_time_round_trips(self, backend: str) -> None:
        stamp = AtomicTimestamp(backend=backend)
        now = time.time()

        stamp.store(now)

        assert stamp.load() == now

    @settings(max_examples=300)
    @given(seconds=wall_clock_seconds)
    def test_wall_clock_floats_round_trip_exactly(self, seconds: float) -> None:
        stamp = AtomicTimestamp(backend="locked")

        stamp.store(seconds)

        assert stamp.load() == seconds

    @settings(max_examples=300)
    @given(seconds=small_seconds)
    def test_small_floats_come_back_to_the_nearest_nanosecond(
        self, seconds: float
    ) -> None:
        stamp = AtomicTimestamp(backend="locked")

        stamp.store(seconds)

        loaded = stamp.load()
        assert isinstance(loaded, float)
        # Half a nanosecond from storing, half an ulp from converting back.
        assert abs(loaded - seconds) <= 0.5e-9 + math.ulp(seconds)

    def test_store_ns_and_touch(self, backend: str) -> None:
        stamp = AtomicTimestamp(backend=backend)

        stamp.store_ns(1_700_000_000_123_456_789)
        stored = stamp.load_ns()
        before = time.time_ns()
        stamp.touch()
        after = time.time_ns()

        assert stored == 1_700_000_000_123_456_789
        assert before <= stamp.load_ns() <= after

    def test_unsupported_values_are_refused(self) -> None:
        with pytest.raises(ValueError, match="kind"):
            AtomicTimestamp("seconds")  # type: ignore[call-overload]
        with pytest.raises(ValueError, match="tz"):
            AtomicTimestamp("float", tz=UTC)  # type: ignore[call-overload]
        with pytest.raises(TypeError):
            AtomicTimestamp().store("now")  # type: ignore[arg-type]
        with pytest.raises(OverflowError):
            AtomicTimestamp().store_ns(2**63)


class TestDatetimeKind:
    """Datetimes: aware values keep their instant, naive values are local time."""

    def test_aware_round_trips_to_the_same_instant_in_tz(self, backend: str) -> None:
        tokyo = timezone(timedelta(hours=9))
        stamp = AtomicTimestamp("datetime", tz=UTC, backend=backend)
        moment = datetime(2026, 12, 4, 18, 30, 15, 123456, tzinfo=tokyo)

        stamp.store(moment)

        loaded = stamp.load()
        assert loaded == moment
        assert isinstance(loaded, datetime)
        assert loaded.tzinfo is UTC

    def test_naive_is_local_time(self, backend: str) -> None:
        stamp = AtomicTimestamp("datetime", backend=backend)
        moment = datetime(2026, 12, 4, 18, 30, 15, 654321)

        stamp.store(moment)

        assert stamp.load() == moment
        assert stamp.load_ns() == round(moment.timestamp() * 1e6) * 1000

    @settings(max_examples=200)
    @given(
        moment=st.datetimes(
            min_value=datetime(1971, 1, 1), max_value=datetime(2261, 1, 1)
        )
    )
    def test_aware_utc_round_trips(self, moment: datetime) -> None:
        stamp = AtomicTimestamp("datetime", tz=UTC, backend="locked")
        aware = moment.replace(tzinfo=UTC)

        stamp.store(aware)

        assert stamp.load() == aware

    def test_float_seconds_can_be_stored_in_a_datetime_stamp(self) -> None:
        stamp = AtomicTimestamp("datetime", tz=UTC)

        stamp.store(86_400.5)

        assert stamp.load() == datetime(1970, 1, 2, 0, 0, 0, 500000, tzinfo=UTC)


class TestThreads:
    """Concurrent stores never leave a value nobody stored."""

    def test_readers_see_only_stored_values(self, backend: str) -> None:
        stamp = AtomicTimestamp(backend=backend)
        stored = {0} | {1_700_000_000_000_000_000 + i for i in range(4)}
        seen: set[int] = set()

        def work(index: int) -> None:
            for _ in range(2_000):
                if index % 2:
                    stamp.store_ns(1_700_000_000_000_000_000 + index)
                else:
                    seen.add(stamp.load_ns())

        run_threads(work)

        assert seen <= stored


class TestConversions:
    """The exported conversions agree with the timestamp's own."""

    @settings(max_examples=200)
    @given(seconds=wall_clock_seconds)
    def test_seconds_round_trip(self, seconds: float) -> None:
        assert ns_to_seconds(seconds_to_ns(seconds)) == seconds

    def test_nearest_nanosecond(self) -> None:
        assert seconds_to_ns(1.5) == 1_500_000_000
        assert seconds_to_ns(-1.5) == -1_500_000_000
        assert seconds_to_ns(0.1) == 100_000_000

    def test_datetime_to_ns_is_exact(self) -> None:
        moment = datetime(2026, 12, 4, 0, 0, 0, 1, tzinfo=UTC)

        assert datetime_to_ns(moment) == 1_796_342_400_000_001_000
