"""``AtomicTimestamp``: a "last seen at" time as atomic epoch nanoseconds.

The value is one 64-bit integer of nanoseconds since the Unix epoch, with 0
meaning "never" (``load()`` gives ``None``). Stores and loads are single
atomic operations, so a reader never sees a torn or half-written time.

Conversions:

- ``kind="float"`` stores seconds. Every float ``t`` from ``time.time()``
  round-trips exactly: ``store(t)`` then ``load()`` returns ``t`` bit for
  bit. The stored integer is the nanosecond count nearest to ``t`` and
  ``load`` returns the float nearest to that count; for ``2**23 <= t <
  2**63 / 1e9`` (about 97 days after 1970 up to the year 2262) adjacent
  doubles are more than a nanosecond apart, so the nearest float is ``t``
  again. Smaller floats, such as ``time.monotonic()`` or ``perf_counter()``
  values (seconds since an arbitrary point), come back as the float nearest
  to the nearest nanosecond: within 0.5 ns plus half a unit in the last
  place, so their last bits can change. Exactly ``0.0`` (the epoch itself) is
  indistinguishable from "never" and loads as ``None``.
- ``kind="datetime"`` stores a ``datetime``. An aware datetime is converted
  to its exact epoch instant (microseconds are kept exactly); a naive one is
  taken as local time, as ``datetime.timestamp()`` does. ``load`` returns an
  aware datetime in ``tz`` when ``tz`` is given, otherwise a naive datetime
  in local time, so a naive value round-trips to an equal naive value and an
  aware value to the same instant (in ``tz``). A naive time that local
  daylight-saving rules make ambiguous or skip maps to the instant
  ``datetime.timestamp()`` picks, and loads as that instant's local time.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Generic, Literal, TypeVar, Union, cast, overload

from lockless.runtime.backend import get_backend
from lockless.runtime.counter import AtomicCounter
from lockless.runtime.int64 import checked

TimeValue = Union[float, datetime, None]
TimeKind = Literal["float", "datetime"]
V = TypeVar("V", bound=Union[float, datetime])

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NS_PER_S = 1_000_000_000
_KINDS = ("float", "datetime")


def seconds_to_ns(seconds: float) -> int:
    """The nanosecond count nearest to ``seconds`` (exact decimal rounding)."""
    whole, frac = divmod(seconds, 1.0)
    return int(whole) * _NS_PER_S + round(frac * _NS_PER_S)


def ns_to_seconds(ns: int) -> float:
    """The float nearest to ``ns`` nanoseconds, correctly rounded."""
    return ns / _NS_PER_S


def datetime_to_ns(value: datetime) -> int:
    """Exact epoch nanoseconds of ``value``; a naive value is local time."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.astimezone()  # attaches the local zone
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _NS_PER_S + delta.microseconds * 1000


def ns_to_datetime(ns: int, tz: tzinfo | None) -> datetime:
    """The datetime of ``ns`` epoch nanoseconds (truncated to microseconds)."""
    aware = _EPOCH + timedelta(microseconds=ns // 1000)
    if tz is not None:
        return aware.astimezone(tz)
    return aware.astimezone().replace(tzinfo=None)


class AtomicTimestamp(Generic[V]):
    """A time stored as atomic epoch nanoseconds; 0 means never.

    Typed by its kind: ``AtomicTimestamp()`` is an ``AtomicTimestamp[float]``
    whose ``load()`` is ``float | None``; ``AtomicTimestamp("datetime")`` is an
    ``AtomicTimestamp[datetime]``.
    """

    __slots__ = ("_ns", "_kind", "_tz")

    @overload
    def __init__(
        self: AtomicTimestamp[float],
        kind: Literal["float"] = "float",
        *,
        tz: None = None,
        backend: str | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: AtomicTimestamp[datetime],
        kind: Literal["datetime"],
        *,
        tz: tzinfo | None = None,
        backend: str | None = None,
    ) -> None: ...

    def __init__(
        self,
        kind: TimeKind = "float",
        *,
        tz: tzinfo | None = None,
        backend: str | None = None,
    ) -> None:
        if kind not in _KINDS:
            raise ValueError(f"timestamp kind must be one of {_KINDS!r}, got {kind!r}")
        if tz is not None and kind != "datetime":
            raise ValueError(f"tz={tz!r} only applies to kind='datetime'")
        self._kind = kind
        self._tz = tz
        self._ns = get_backend(backend).register_type(0)

    @classmethod
    def over(
        cls, ns: AtomicCounter, kind: TimeKind = "float", *, tz: tzinfo | None = None
    ) -> AtomicTimestamp[Any]:
        """A timestamp whose nanoseconds live in ``ns``, an existing counter.

        For counters the runtime does not allocate itself, such as one on
        shared memory (``lockless.runtime.shared``).
        """
        stamp: AtomicTimestamp[Any] = AtomicTimestamp("float")
        stamp._kind, stamp._tz, stamp._ns = kind, tz, ns
        return stamp

    @property
    def kind(self) -> TimeKind:
        return self._kind

    def _to_ns(self, value: TimeValue) -> int:
        if value is None:
            return 0
        if isinstance(value, datetime):
            return datetime_to_ns(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"expected a float, datetime or None, got {value!r}")
        return seconds_to_ns(value)

    def store(self, value: TimeValue) -> None:
        """Record ``value`` (seconds or a datetime); ``None`` records "never"."""
        self._ns.store(checked(self._to_ns(value), "timestamp in ns"))

    def load(self) -> V | None:
        """The recorded time in this timestamp's kind, or ``None`` for never."""
        ns = self._ns.load()
        if ns == 0:
            return None
        if self._kind == "float":
            return cast(V, ns_to_seconds(ns))
        return cast(V, ns_to_datetime(ns, self._tz))

    def load_ns(self) -> int:
        """The recorded time in epoch nanoseconds; 0 for never."""
        return self._ns.load()

    def store_ns(self, ns: int) -> None:
        """Record a time given in epoch nanoseconds; 0 records never."""
        self._ns.store(checked(ns, "timestamp in ns"))

    def touch(self) -> None:
        """Record now (``time.time_ns()``)."""
        self._ns.store(time.time_ns())

    def __repr__(self) -> str:
        return f"<AtomicTimestamp {self.load()!r}>"

    # Copies and pickles hold the time, never the atomic.
    def __reduce__(self) -> tuple[Any, ...]:
        return (rebuild_timestamp, (self._kind, self._tz, self.load_ns()))

    def __copy__(self) -> AtomicTimestamp[Any]:
        return rebuild_timestamp(self._kind, self._tz, self.load_ns())

    def __deepcopy__(self, memo: dict[int, Any]) -> AtomicTimestamp[Any]:
        return self.__copy__()


def rebuild_timestamp(
    kind: TimeKind, tz: tzinfo | None, ns: int
) -> AtomicTimestamp[Any]:
    """A new timestamp of ``kind`` holding ``ns``, on the default backend."""
    stamp = AtomicTimestamp.over(AtomicCounter(ns), kind, tz=tz)
    return stamp
