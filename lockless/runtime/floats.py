"""``AtomicFloat``: a float that threads add to without ever losing an add.

"Exact" here means no lost updates: every ``add`` is applied exactly once,
whatever the interleaving. It does not mean the sum is the one a single
thread would compute: each add is an IEEE-754 double addition applied to the
value current at that moment, and concurrent adds are applied in whichever
order they win, so the last bits of a long sum of mixed magnitudes can differ
from run to run (floating-point addition is not associative). Sums of
integers below 2**53, or of other exactly representable values, are exact.

``store`` then ``load`` with no add in between returns the stored float
bit for bit (including ``-0.0``, infinities and NaN payloads where the
backend keeps the object).
"""

from __future__ import annotations

from typing import Any


class AtomicFloat:
    """A float with atomic ``add``, ``load``, ``store`` and ``swap``."""

    __slots__ = ()
    backend_name = "abstract"

    def __new__(
        cls, initial: float = 0.0, *, backend: str | None = None, **kwargs: Any
    ) -> AtomicFloat:
        if cls is AtomicFloat:
            from lockless.runtime.backend import get_backend

            cls = get_backend(backend).float_type
        return object.__new__(cls)

    def __init__(self, initial: float = 0.0, *, backend: str | None = None) -> None:
        raise NotImplementedError  # every backend class defines its own

    def add(self, x: float) -> None:
        """Add ``x``; never lost, whatever other threads do at the same time."""
        raise NotImplementedError

    def load(self) -> float:
        """The current value."""
        raise NotImplementedError

    def store(self, x: float) -> None:
        """Replace the value."""
        raise NotImplementedError

    def swap(self, x: float) -> float:
        """Replace the value and return the one it replaced."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.load()!r} backend={self.backend_name!r}>"

    # Like counters: copies and pickles hold the value, never the atomic.
    def __reduce__(self) -> tuple[Any, ...]:
        return (rebuild_float, (self.backend_name, self.load()))

    def __copy__(self) -> AtomicFloat:
        return rebuild_float(self.backend_name, self.load())

    def __deepcopy__(self, memo: dict[int, Any]) -> AtomicFloat:
        return self.__copy__()


def rebuild_float(backend: str, value: float) -> AtomicFloat:
    """A new float cell holding ``value``, on ``backend`` if usable here."""
    from lockless.runtime.backend import usable_or_default

    return AtomicFloat(value, backend=usable_or_default(backend))


def as_float(x: float) -> float:
    """``x`` as a built-in float (ints accepted), or ``TypeError``."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"expected a float, got {x!r}")
    return float(x)
