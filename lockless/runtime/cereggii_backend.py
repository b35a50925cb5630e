"""The ``cereggii`` backend: hardware atomics from the ``cereggii`` extension.

A counter or register is one ``cereggii.AtomicInt64`` (sequentially
consistent). Its hot operations are the atomic's own C methods, bound onto
the counter when it is built, so ``counter.inc()`` runs no Python frame:
about twice as fast as a method that forwards the call, on GIL and
free-threaded builds alike. ``cereggii`` itself raises ``OverflowError``
and changes nothing when a result would leave 64 bits, which is the rule
lockless specifies.

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
from lockless.runtime.int64 import checked, comparable

# Counter operation -> the AtomicInt64 method that performs it exactly.
_BOUND_OPERATIONS = {
    "inc": "increment_and_get",
    "dec": "decrement_and_get",
    "add": "increment_and_get",
    "add_and_get": "increment_and_get",
    "fetch_add": "get_and_increment",
    "load": "get",
    "store": "set",
    "swap": "get_and_set",
}


class CereggiiCounter(AtomicCounter):
    """An ``AtomicCounter`` on one ``cereggii.AtomicInt64``, with C-bound operations."""

    __slots__ = ("_atom", *_BOUND_OPERATIONS)
    backend_name = "cereggii"

    def __init__(self, initial: int = 0, *, backend: str | None = None) -> None:
        atom = cereggii.AtomicInt64(checked(initial, "initial value"))
        self._atom = atom
        # Instance slots shadow the base class's methods of the same names.
        for operation, method in _BOUND_OPERATIONS.items():
            object.__setattr__(self, operation, getattr(atom, method))

    def compare_and_set(self, expected: int, new: int) -> bool:
        new = checked(new, "new value")
        wanted = comparable(expected)
        if wanted is None:
            return False  # an out-of-range value can never be the current one
        return bool(self._atom.compare_and_set(wanted, new))


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
