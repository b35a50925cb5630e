"""The ``atomics`` backend: the ``atomics`` package's 64-bit integers.

Never chosen by default, and only imported when asked for by name: each
operation goes through several Python layers and a cffi call (microseconds,
not nanoseconds), and on free-threaded builds importing cffi turns the GIL
back on. It exists because ``atomics`` works on any writable buffer, which
is what counters on shared memory need (``lockless.runtime.shared``); here it
backs ordinary in-process counters so the same operations can be tested
side by side with the other backends. Its integers wrap in two's complement,
as lockless specifies. Floats use the ``locked`` float.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import atomics  # type: ignore[import-untyped]  # ships no type information

from lockless.runtime.counter import AtomicCounter
from lockless.runtime.floats import AtomicFloat
from lockless.runtime.int64 import INT64_MAX, INT64_MIN, checked, wrap
from lockless.runtime.locked import LockedFloat


class BufferInt64:
    """The counter operations on one ``atomics`` int view or atomic; shared by both."""

    __slots__ = ("_atom",)

    def __init__(self, atom: Any) -> None:
        self._atom = atom

    def add(self, n: int) -> int:
        """Add ``n``; return the value before."""
        if not INT64_MIN <= n <= INT64_MAX:
            checked(n, "add amount")
        before: int = self._atom.fetch_add(n)
        return before

    def load(self) -> int:
        value: int = self._atom.load()
        return value

    def store(self, value: int) -> None:
        self._atom.store(checked(value))

    def swap(self, value: int) -> int:
        before: int = self._atom.exchange(checked(value))
        return before

    def compare_and_set(self, expected: int, new: int) -> bool:
        checked(new)
        if not INT64_MIN <= expected <= INT64_MAX:
            return False
        return bool(self._atom.cmpxchg_strong(expected, new).success)


class AtomicsCounter(AtomicCounter):
    """An ``AtomicCounter`` on a private ``atomics`` 64-bit integer."""

    __slots__ = ("_int",)
    backend_name = "atomics"

    def __init__(self, initial: int = 0, *, backend: str | None = None) -> None:
        self._int = BufferInt64(atomics.atomic(width=8, atype=atomics.INT))
        self._int.store(checked(initial, "initial value"))

    def inc(self) -> None:
        self._int.add(1)

    def dec(self) -> None:
        self._int.add(-1)

    def add(self, n: int) -> None:
        self._int.add(n)

    def add_and_get(self, n: int) -> int:
        return wrap(self._int.add(n) + n)

    def fetch_add(self, n: int) -> int:
        return self._int.add(n)

    def load(self) -> int:
        return self._int.load()

    def store(self, value: int) -> None:
        self._int.store(value)

    def swap(self, value: int) -> int:
        return self._int.swap(value)

    def compare_and_set(self, expected: int, new: int) -> bool:
        return self._int.compare_and_set(expected, new)


@dataclass(frozen=True)
class AtomicsBackend:
    name: str = "atomics"
    counter_type: type[AtomicCounter] = AtomicsCounter
    register_type: type[AtomicCounter] = AtomicsCounter
    float_type: type[AtomicFloat] = LockedFloat


BACKEND = AtomicsBackend()
