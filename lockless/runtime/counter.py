"""``AtomicCounter``: a signed 64-bit integer that threads update without a lock.

Every operation is atomic and no update is ever lost, whatever the thread
interleaving.

Arguments are integers: every backend takes what ``cereggii.AtomicInt64``
takes, that is anything ``operator.index`` accepts (``int``, ``bool``,
``IntEnum`` members, objects with ``__index__``), and holds it as a plain
``int``. Anything else, a float such as ``1.5`` or ``2.0`` included, raises
``TypeError`` and changes nothing.

64 bits, no silent wrapping: an argument outside ``[INT64_MIN, INT64_MAX]``
raises ``OverflowError``, and so does an operation whose result would leave
the range; either way the value stays as it was. (``compare_and_set`` with
an out-of-range ``expected`` just returns ``False``.) Two backends cannot
keep to that exactly:

- ``sharded``: ``inc``, ``dec`` and ``add`` (and a handle's) write only the
  calling thread's cell, so they cannot see the total and succeed even
  when it leaves the range. From then on, until ``store`` sets a value (or
  later adds bring the total back), ``load``, ``add_and_get``,
  ``fetch_add`` and ``swap`` raise an ``OverflowError`` that says so (as do
  ``repr``, ``copy`` and ``pickle``, which load), and ``compare_and_set``
  returns ``False``. At a billion increments a second a counter needs 292
  years to get there.
- ``atomics`` and shared-memory counters: the hardware add wraps, and an
  add that overflowed is undone right after, so a concurrent reader may see
  the wrapped value for that moment, and a concurrent add may raise too.

Ordering is sequentially consistent on every backend except that ``sharded``
counters (see ``lockless.runtime.sharded``) let a concurrent ``add`` land on
either side of a ``store``, ``swap``, ``add_and_get`` or
``compare_and_set``; no add is ever lost or counted twice.

``inc``, ``dec`` and ``add`` return ``None`` on most backends; on
``cereggii`` they are the atomic's own C methods and return the new value.
Do not rely on it: ``add_and_get`` is the operation that returns a value.
Likewise, being those C methods, ``cereggii``'s ``add``, ``add_and_get``
and ``fetch_add`` treat a missing or ``None`` amount as 1 where other
backends raise ``TypeError``, and the messages of their errors are
cereggii's own.
"""

from __future__ import annotations

from typing import Any, Protocol


class CounterHandle(Protocol):
    """What ``AtomicCounter.handle()`` returns: the add operations, for one thread."""

    def inc(self) -> None: ...

    def dec(self) -> None: ...

    def add(self, n: int) -> None: ...


class AtomicCounter:
    """A lock-free ``int64`` counter; ``AtomicCounter(5)`` builds the default backend's.

    ``AtomicCounter(initial, backend="locked")`` picks a backend by name (see
    ``lockless.runtime.backend``). Instances are always of a backend's
    subclass, so ``isinstance(c, AtomicCounter)`` holds.
    """

    __slots__ = ()
    backend_name = "abstract"

    def __new__(
        cls, initial: int = 0, *, backend: str | None = None, **kwargs: Any
    ) -> AtomicCounter:
        if cls is AtomicCounter:
            from lockless.runtime.backend import get_backend

            cls = get_backend(backend).counter_type
        return object.__new__(cls)

    def __init__(self, initial: int = 0, *, backend: str | None = None) -> None:
        raise NotImplementedError  # every backend class defines its own

    def inc(self) -> None:
        """Add 1."""
        raise NotImplementedError

    def dec(self) -> None:
        """Subtract 1."""
        raise NotImplementedError

    def add(self, n: int) -> None:
        """Add ``n`` (negative subtracts)."""
        raise NotImplementedError

    def add_and_get(self, n: int) -> int:
        """Add ``n`` and return the value just after this add.

        With only positive adds, concurrent callers never get the same value,
        so the result can serve as a unique id.
        """
        raise NotImplementedError

    def fetch_add(self, n: int) -> int:
        """Add ``n`` and return the value just before this add."""
        raise NotImplementedError

    def load(self) -> int:
        """The current value."""
        raise NotImplementedError

    def store(self, value: int) -> None:
        """Replace the value."""
        raise NotImplementedError

    def swap(self, value: int) -> int:
        """Replace the value and return the one it replaced."""
        raise NotImplementedError

    def compare_and_set(self, expected: int, new: int) -> bool:
        """Store ``new`` only if the value is ``expected``; say whether it did."""
        raise NotImplementedError

    def handle(self) -> CounterHandle:
        """Something to ``inc``/``dec``/``add`` through from the calling thread only.

        Hoist it out of a hot loop. ``sharded`` returns the thread's own cell,
        which skips the per-call thread-local lookup; the other backends
        return the counter itself.
        """
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.load()} backend={self.backend_name!r}>"

    # Copies and pickles hold the value, never the atomic: a copy is a new,
    # independent counter of the same backend (or the default one where that
    # backend is not usable, e.g. after unpickling in another interpreter).
    def __reduce__(self) -> tuple[Any, ...]:
        return (rebuild_counter, (self.backend_name, self.load()))

    def __copy__(self) -> AtomicCounter:
        return rebuild_counter(self.backend_name, self.load())

    def __deepcopy__(self, memo: dict[int, Any]) -> AtomicCounter:
        return self.__copy__()


def rebuild_counter(backend: str, value: int) -> AtomicCounter:
    """A new counter holding ``value``, on ``backend`` if usable here."""
    from lockless.runtime.backend import usable_or_default

    return AtomicCounter(value, backend=usable_or_default(backend))
