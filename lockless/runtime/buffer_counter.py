"""``BufferCounter``: an ``AtomicCounter`` over an ``atomics`` 64-bit integer.

The ``atomics`` package gives atomic operations on any writable buffer, as
an object with ``fetch_add``, ``load``, ``store``, ``exchange`` and
``cmpxchg_strong``. This class puts the counter API on such an object, so a
private atomic (the ``atomics`` backend) and a view into shared memory
(``lockless.runtime.shared``) behave the same. This module does not import
``atomics``.

The hardware add wraps, so an add whose result leaves 64 bits is undone by
the opposite add and then raises ``OverflowError``: the counter ends as it
was (two's-complement adds commute, so concurrent adds are not disturbed),
though a concurrent reader may see the wrapped value for that moment.
"""

from __future__ import annotations

from typing import Any

from lockless.runtime.counter import AtomicCounter
from lockless.runtime.int64 import (
    INT64_MAX,
    INT64_MIN,
    checked,
    checked_result,
    comparable,
)


class BufferCounter(AtomicCounter):
    """An ``AtomicCounter`` whose value is an ``atomics`` 64-bit integer."""

    __slots__ = ("_atom",)
    backend_name = "atomics"

    def __init__(self, atom: Any) -> None:
        self._atom = atom

    def _fetch_add(self, n: int) -> int:
        if type(n) is not int or not INT64_MIN <= n <= INT64_MAX:
            n = checked(n, "add amount")
        before: int = self._atom.fetch_add(n)
        if not INT64_MIN <= before + n <= INT64_MAX:
            self._undo(n)
            checked_result(before + n)
        return before

    def _undo(self, n: int) -> None:
        # Subtract ``n`` again; -INT64_MIN does not fit, so it takes two adds.
        if n == INT64_MIN:
            self._atom.fetch_add(INT64_MAX)
            self._atom.fetch_add(1)
        else:
            self._atom.fetch_add(-n)

    def inc(self) -> None:
        self._fetch_add(1)

    def dec(self) -> None:
        self._fetch_add(-1)

    def add(self, n: int) -> None:
        self._fetch_add(n)

    def add_and_get(self, n: int) -> int:
        if type(n) is not int:
            n = checked(n, "add amount")  # the sum below needs a plain int
        return self._fetch_add(n) + n

    def fetch_add(self, n: int) -> int:
        return self._fetch_add(n)

    def load(self) -> int:
        value: int = self._atom.load()
        return value

    def store(self, value: int) -> None:
        self._atom.store(checked(value, "new value"))

    def swap(self, value: int) -> int:
        before: int = self._atom.exchange(checked(value, "new value"))
        return before

    def compare_and_set(self, expected: int, new: int) -> bool:
        new = checked(new, "new value")
        wanted = comparable(expected)
        if wanted is None:
            return False  # an out-of-range value can never be the current one
        return bool(self._atom.cmpxchg_strong(wanted, new).success)
