"""The ``atomics`` backend: the ``atomics`` package's 64-bit integers.

Never chosen by default, and only imported when asked for by name: each
operation goes through several Python layers and a cffi call (microseconds,
not nanoseconds), and on free-threaded builds importing cffi turns the GIL
back on. It exists because ``atomics`` works on any writable buffer, which
is what counters on shared memory need (``lockless.runtime.shared``); here it
backs ordinary in-process counters so the same operations are tested side
by side with the other backends. Floats use the ``locked`` float.
"""

from __future__ import annotations

from dataclasses import dataclass

import atomics  # type: ignore[import-untyped]  # ships no type information

from lockless.runtime.buffer_counter import BufferCounter
from lockless.runtime.counter import AtomicCounter
from lockless.runtime.floats import AtomicFloat
from lockless.runtime.int64 import checked
from lockless.runtime.locked import LockedFloat


class AtomicsCounter(BufferCounter):
    """An ``AtomicCounter`` on a private ``atomics`` 64-bit integer."""

    __slots__ = ()

    def __init__(self, initial: int = 0, *, backend: str | None = None) -> None:
        super().__init__(atomics.atomic(width=8, atype=atomics.INT))
        self.store(checked(initial, "initial value"))


@dataclass(frozen=True)
class AtomicsBackend:
    name: str = "atomics"
    counter_type: type[AtomicCounter] = AtomicsCounter
    register_type: type[AtomicCounter] = AtomicsCounter
    float_type: type[AtomicFloat] = LockedFloat


BACKEND = AtomicsBackend()
