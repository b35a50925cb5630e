"""The ``sharded`` backend: pure-Python counters with one cell per thread.

How a ``ShardedCounter`` stays exact without atomic instructions:

- Each thread that adds gets its own cell, a one-item list that only that
  thread ever writes. ``inc`` and ``add`` are a ``threading.local`` lookup and
  ``cell[0] += n`` on the thread's own cell, so no two threads ever
  read-modify-write the same object, on GIL and free-threaded builds alike.
- The value is ``base + retired + sum(cells)``. Reads and every operation
  other than ``inc``/``dec``/``add`` hold the counter's lock while they read
  the cells and adjust ``base``; cells are never written by anyone but their
  thread, so a concurrent add lands either before or after such an operation
  and is never lost or counted twice. ``add_and_get`` results are unique
  among callers as long as every add is positive.
- When a thread ends, its thread-local storage is freed and the cell is
  queued for retirement; the next read or new cell folds its count into
  ``retired`` and forgets the cell. So no count is lost and memory is
  bounded by the threads alive now, not by every thread that ever added.
- Cells hold Python ints and never overflow, and ``inc``, ``dec`` and
  ``add`` cannot see the total, so they never raise for it (an ``add``
  amount is still checked on its own). The 64-bit range is checked where
  the total is known. While the total is out of range, the operations that
  must return it or build on it (``load``, ``add_and_get``, ``fetch_add``,
  ``swap``) raise ``OverflowError`` saying so and change nothing,
  ``compare_and_set`` returns ``False``, and ``store`` (or adds that bring
  the total back) puts it in range again. A result out of range, from a
  total in range, raises and changes nothing, as on every backend.

For a hot loop, ``counter.handle()`` returns the calling thread's cell
wrapped in a ``ShardHandle``; adding through it skips the thread-local
lookup, and threads never touch a shared object per add, so it scales with
threads on free-threaded builds. A handle must only be used by the thread
that asked for it.

Registers (``store``-heavy values: timestamps, breaker state) are a plain
attribute: loads take no lock, writes take the lock. Floats use the
``locked`` float: a per-thread float cell could not give back a stored value
bit for bit after other cells were summed into it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from lockless.runtime.counter import AtomicCounter
from lockless.runtime.floats import AtomicFloat
from lockless.runtime.int64 import (
    INT64_MAX,
    INT64_MIN,
    checked,
    checked_result,
    comparable,
)
from lockless.runtime.locked import LockedCounter, LockedFloat


def checked_total(total: int) -> int:
    """Return a counter's total if it fits in 64 bits, else raise.

    Only adds that could not check the total (``inc``, ``dec``, ``add``)
    can have taken it out of range, so the message says that, and how to
    get it back.
    """
    if not INT64_MIN <= total <= INT64_MAX:
        raise OverflowError(
            f"counter total {total} is outside the signed 64-bit range: "
            "inc(), dec() or add() calls took it there, and on the sharded "
            "backend they cannot check the total when they add. Reads raise "
            "until store() sets a value (or later adds bring the total back "
            "into range)"
        )
    return total


class _Shards:
    """The cells of one counter and the totals they fold into."""

    __slots__ = ("lock", "cells", "retiring", "base", "retired")

    def __init__(self, initial: int) -> None:
        self.lock = threading.Lock()
        self.cells: dict[int, list[int]] = {}
        self.retiring: deque[list[int]] = deque()
        self.base = initial
        self.retired = 0

    def fold_retiring(self) -> None:
        """Move the counts of exited threads into ``retired``; caller holds the lock."""
        while self.retiring:
            cell = self.retiring.popleft()
            self.retired += cell[0]
            del self.cells[id(cell)]

    def total(self) -> int:
        """The exact total, possibly outside 64 bits; caller holds the lock."""
        self.fold_retiring()
        return self.base + self.retired + sum(cell[0] for cell in self.cells.values())


class _CellOwner:
    """Lives in a thread's local storage; its death retires the thread's cell."""

    __slots__ = ("cell", "shards")

    def __init__(self, cell: list[int], shards: _Shards) -> None:
        self.cell = cell
        self.shards = shards

    def __del__(self) -> None:
        # Runs when the thread exits (or the counter is freed). deque.append is
        # atomic and takes no lock, so this cannot deadlock whatever runs it.
        self.shards.retiring.append(self.cell)


class ShardHandle:
    """The calling thread's cell of a ``ShardedCounter``, for hot loops."""

    __slots__ = ("_cell", "_owner")

    def __init__(self, cell: list[int], owner: _CellOwner) -> None:
        self._cell = cell
        self._owner = owner

    def inc(self) -> None:
        self._cell[0] += 1

    def dec(self) -> None:
        self._cell[0] -= 1

    def add(self, n: int) -> None:
        if type(n) is not int or not INT64_MIN <= n <= INT64_MAX:
            n = checked(n, "add amount")
        self._cell[0] += n


class ShardedCounter(AtomicCounter):
    """An ``AtomicCounter`` whose adds go to per-thread cells."""

    __slots__ = ("_local", "_shards")
    backend_name = "sharded"

    def __init__(self, initial: int = 0, *, backend: str | None = None) -> None:
        self._shards = _Shards(checked(initial, "initial value"))
        self._local = threading.local()

    def _own_cell(self) -> list[int]:
        # First add from this thread: give it a cell and register the cell.
        shards = self._shards
        cell = [0]
        owner = _CellOwner(cell, shards)
        with shards.lock:
            shards.fold_retiring()
            shards.cells[id(cell)] = cell
        self._local.cell = cell
        self._local.owner = owner
        return cell

    def handle(self) -> ShardHandle:
        """The calling thread's cell; use it only from this thread."""
        try:
            cell: list[int] = self._local.cell
        except AttributeError:
            cell = self._own_cell()
        owner: _CellOwner = self._local.owner
        return ShardHandle(cell, owner)

    def inc(self) -> None:
        try:
            self._local.cell[0] += 1
        except AttributeError:
            self._own_cell()[0] += 1

    def dec(self) -> None:
        try:
            self._local.cell[0] -= 1
        except AttributeError:
            self._own_cell()[0] -= 1

    def add(self, n: int) -> None:
        if type(n) is not int or not INT64_MIN <= n <= INT64_MAX:
            n = checked(n, "add amount")
        try:
            self._local.cell[0] += n
        except AttributeError:
            self._own_cell()[0] += n

    def add_and_get(self, n: int) -> int:
        n = checked(n, "add amount")
        shards = self._shards
        with shards.lock:
            after = checked_result(checked_total(shards.total()) + n)
            shards.base += n
            return after

    def fetch_add(self, n: int) -> int:
        n = checked(n, "add amount")
        shards = self._shards
        with shards.lock:
            before = checked_total(shards.total())
            checked_result(before + n)
            shards.base += n
            return before

    def load(self) -> int:
        shards = self._shards
        with shards.lock:
            return checked_total(shards.total())

    def store(self, value: int) -> None:
        value = checked(value, "new value")
        shards = self._shards
        with shards.lock:
            shards.base += value - shards.total()

    def swap(self, value: int) -> int:
        value = checked(value, "new value")
        shards = self._shards
        with shards.lock:
            before = checked_total(shards.total())
            shards.base += value - before
            return before

    def compare_and_set(self, expected: int, new: int) -> bool:
        new = checked(new, "new value")
        wanted = comparable(expected)
        if wanted is None:
            return False  # even an out-of-range total never matches it
        shards = self._shards
        with shards.lock:
            before = shards.total()
            if before != wanted:
                return False
            shards.base += new - before
            return True

    def live_cells(self) -> int:
        """How many cells are registered (for tests and diagnostics)."""
        shards = self._shards
        with shards.lock:
            shards.fold_retiring()
            return len(shards.cells)


class ReadMostlyRegister(LockedCounter):
    """A locked counter whose ``load`` skips the lock: an attribute read is atomic."""

    __slots__ = ()
    backend_name = "sharded"

    def load(self) -> int:
        return self._value


@dataclass(frozen=True)
class ShardedBackend:
    name: str = "sharded"
    counter_type: type[AtomicCounter] = ShardedCounter
    register_type: type[AtomicCounter] = ReadMostlyRegister
    float_type: type[AtomicFloat] = LockedFloat


BACKEND = ShardedBackend()
