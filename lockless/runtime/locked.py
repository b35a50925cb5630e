"""The ``locked`` backend: a plain int or float behind one ``threading.Lock``.

Always correct on every interpreter, and the reference the other backends
are tested against. Slow on hot paths: this is what lockless replaces.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lockless.runtime.counter import AtomicCounter
from lockless.runtime.floats import AtomicFloat, as_float
from lockless.runtime.int64 import (
    INT64_MAX,
    INT64_MIN,
    checked,
    checked_result,
    comparable,
)


class LockedCounter(AtomicCounter):
    """An ``AtomicCounter`` whose every operation holds one lock."""

    __slots__ = ("_lock", "_value")
    backend_name = "locked"

    def __init__(self, initial: int = 0, *, backend: str | None = None) -> None:
        self._lock = threading.Lock()
        self._value = checked(initial, "initial value")

    def _add(self, n: int) -> int:
        # Caller holds the lock; returns the new value.
        if type(n) is not int or not INT64_MIN <= n <= INT64_MAX:
            n = checked(n, "add amount")
        value = self._value + n
        if not INT64_MIN <= value <= INT64_MAX:
            checked_result(value)
        self._value = value
        return value

    def inc(self) -> None:
        with self._lock:
            self._add(1)

    def dec(self) -> None:
        with self._lock:
            self._add(-1)

    def add(self, n: int) -> None:
        with self._lock:
            self._add(n)

    def add_and_get(self, n: int) -> int:
        with self._lock:
            return self._add(n)

    def fetch_add(self, n: int) -> int:
        with self._lock:
            before = self._value
            self._add(n)
            return before

    def load(self) -> int:
        with self._lock:
            return self._value

    def store(self, value: int) -> None:
        value = checked(value, "new value")
        with self._lock:
            self._value = value

    def swap(self, value: int) -> int:
        value = checked(value, "new value")
        with self._lock:
            before, self._value = self._value, value
            return before

    def compare_and_set(self, expected: int, new: int) -> bool:
        new = checked(new, "new value")
        wanted = comparable(expected)
        if wanted is None:
            return False  # an out-of-range value can never be the current one
        with self._lock:
            if self._value != wanted:
                return False
            self._value = new
            return True


class LockedFloat(AtomicFloat):
    """An ``AtomicFloat`` whose every operation holds one lock."""

    __slots__ = ("_lock", "_value")
    backend_name = "locked"

    def __init__(self, initial: float = 0.0, *, backend: str | None = None) -> None:
        self._lock = threading.Lock()
        self._value = as_float(initial)

    def add(self, x: float) -> None:
        with self._lock:
            self._value += x

    def load(self) -> float:
        with self._lock:
            return self._value

    def store(self, x: float) -> None:
        x = as_float(x)
        with self._lock:
            self._value = x

    def swap(self, x: float) -> float:
        x = as_float(x)
        with self._lock:
            before, self._value = self._value, x
            return before


@dataclass(frozen=True)
class LockedBackend:
    name: str = "locked"
    counter_type: type[AtomicCounter] = LockedCounter
    register_type: type[AtomicCounter] = LockedCounter
    float_type: type[AtomicFloat] = LockedFloat


BACKEND = LockedBackend()
