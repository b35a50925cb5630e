"""The ``cereggii`` backend: hardware atomics from the ``cereggii`` extension.

Counters and registers are one ``cereggii.AtomicInt64`` each (sequentially
consistent). ``cereggii`` raises ``OverflowError`` where lockless wraps, so
an overflowing add falls back to a compare-and-set loop that wraps; the fast
path pays nothing for it.

``handle()`` returns a ``CereggiiHandle`` whose ``inc``, ``dec`` and ``add``
are the ``AtomicInt64``'s own C methods, with no Python frame per call: on
3.13t that is about twice as fast as ``counter.inc()``. The price is at the
64-bit limits: an add through a handle that would leave the range raises
``OverflowError`` and changes nothing, where the counter's methods wrap.

Floats are a ``cereggii.AtomicRef`` holding the float object, updated by a
compare-and-set loop: read the current object, add, and publish the sum only
if the reference has not changed meanwhile (identity comparison, so there is
no ABA problem: the loop keeps the old object alive). An add is never lost;
under contention it may retry.
"""

from __future__ import annotations

from dataclasses import dataclass

import cereggii  # type: ignore[import-untyped]  # ships no type information

from lockless.runtime.counter import AtomicCounter
from lockless.runtime.floats import AtomicFloat, as_float
from lockless.runtime.int64 import checked, wrap


class CereggiiHandle:
    """Adds that call straight into the ``AtomicInt64`` (see the module docstring)."""

    __slots__ = ("inc", "dec", "add")

    def __init__(self, atom: cereggii.AtomicInt64) -> None:
        # Bound C methods; their int results are ignored by callers.
        self.inc = atom.increment_and_get
        self.dec = atom.decrement_and_get
        self.add = atom.increment_and_get


class CereggiiCounter(AtomicCounter):
    """An ``AtomicCounter`` on one ``cereggii.AtomicInt64``."""

    __slots__ = ("_atom",)
    backend_name = "cereggii"

    def __init__(self, initial: int = 0, *, backend: str | None = None) -> None:
        self._atom = cereggii.AtomicInt64(checked(initial, "initial value"))

    def _wrapping_add(self, n: int) -> tuple[int, int]:
        # The slow path after cereggii refused an add that leaves the range.
        checked(n, "add amount")
        while True:
            before = self._atom.get()
            after = wrap(before + n)
            if self._atom.compare_and_set(before, after):
                return before, after

    def inc(self) -> None:
        try:
            self._atom.increment_and_get(1)
        except OverflowError:
            self._wrapping_add(1)

    def dec(self) -> None:
        try:
            self._atom.decrement_and_get(1)
        except OverflowError:
            self._wrapping_add(-1)

    def add(self, n: int) -> None:
        try:
            self._atom.increment_and_get(n)
        except OverflowError:
            self._wrapping_add(n)

    def add_and_get(self, n: int) -> int:
        try:
            return int(self._atom.increment_and_get(n))
        except OverflowError:
            return self._wrapping_add(n)[1]

    def fetch_add(self, n: int) -> int:
        try:
            return int(self._atom.get_and_increment(n))
        except OverflowError:
            return self._wrapping_add(n)[0]

    def handle(self) -> CereggiiHandle:
        """Adds with no Python frame; they raise ``OverflowError`` at the limits."""
        return CereggiiHandle(self._atom)

    def load(self) -> int:
        return int(self._atom.get())

    def store(self, value: int) -> None:
        self._atom.set(checked(value))

    def swap(self, value: int) -> int:
        return int(self._atom.get_and_set(checked(value)))

    def compare_and_set(self, expected: int, new: int) -> bool:
        checked(new)
        try:
            return bool(self._atom.compare_and_set(expected, new))
        except OverflowError:
            return False  # an out-of-range ``expected`` can never match


class CereggiiFloat(AtomicFloat):
    """An ``AtomicFloat`` on a ``cereggii.AtomicRef`` with a compare-and-set add."""

    __slots__ = ("_ref",)
    backend_name = "cereggii"

    def __init__(self, initial: float = 0.0, *, backend: str | None = None) -> None:
        self._ref = cereggii.AtomicRef(as_float(initial))

    def add(self, x: float) -> None:
        ref = self._ref
        while True:
            before = ref.get()
            if ref.compare_and_set(before, before + x):
                return

    def load(self) -> float:
        value: float = self._ref.get()
        return value

    def store(self, x: float) -> None:
        self._ref.set(as_float(x))

    def swap(self, x: float) -> float:
        value: float = self._ref.get_and_set(as_float(x))
        return value


@dataclass(frozen=True)
class CereggiiBackend:
    name: str = "cereggii"
    counter_type: type[AtomicCounter] = CereggiiCounter
    register_type: type[AtomicCounter] = CereggiiCounter
    float_type: type[AtomicFloat] = CereggiiFloat


BACKEND = CereggiiBackend()
