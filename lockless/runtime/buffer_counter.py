"""``BufferCounter``: an ``AtomicCounter`` over an ``atomics`` 64-bit integer.

The ``atomics`` package gives atomic operations on any writable buffer, as
an object with ``fetch_add``, ``load``, ``store``, ``exchange`` and
``cmpxchg_strong``. This class puts the counter API on such an object, so a
private atomic (the ``atomics`` backend) and a view into shared memory
(``lockless.runtime.shared``) behave the same. Its integers wrap in two's
complement, as lockless specifies. This module does not import ``atomics``.
"""

from __future__ import annotations

from typing import Any

from lockless.runtime.counter import AtomicCounter
from lockless.runtime.int64 import INT64_MAX, INT64_MIN, checked, wrap


class BufferCounter(AtomicCounter):
    """An ``AtomicCounter`` whose value is an ``atomics`` 64-bit integer."""

    __slots__ = ("_atom",)
    backend_name = "atomics"

    def __init__(self, atom: Any) -> None:
        self._atom = atom

    def _fetch_add(self, n: int) -> int:
        if not INT64_MIN <= n <= INT64_MAX:
            checked(n, "add amount")
        before: int = self._atom.fetch_add(n)
        return before

    def inc(self) -> None:
        self._atom.fetch_add(1)

    def dec(self) -> None:
        self._atom.fetch_add(-1)

    def add(self, n: int) -> None:
        self._fetch_add(n)

    def add_and_get(self, n: int) -> int:
        return wrap(self._fetch_add(n) + n)

    def fetch_add(self, n: int) -> int:
        return self._fetch_add(n)

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
