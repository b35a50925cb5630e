"""The signed 64-bit range every counter lives in, and what counts as an int.

A counter never wraps silently. Values handed in (an initial value,
``store``, ``swap``, ``compare_and_set``'s new value, an ``add`` amount)
must be integers in range; ``compare_and_set``'s expected value must be an
integer, and one out of range never matches. An operation whose result
would leave the range raises ``OverflowError`` and leaves the counter as it
was (see ``lockless.runtime.counter`` for the backends that cannot keep to
that).

"An integer" is what ``cereggii.AtomicInt64`` takes, so every backend takes
the same: anything ``operator.index`` accepts, which is ``int``, its
subclasses (``bool`` and ``IntEnum`` included, stored as plain ints) and
objects with ``__index__``. Floats, strings and ``None`` raise ``TypeError``,
even a float with an integral value such as ``2.0``.
"""

from __future__ import annotations

import operator
from typing import SupportsIndex

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def as_int(value: SupportsIndex, what: str = "value") -> int:
    """``value`` as a plain ``int``, or ``TypeError`` naming it.

    Callers on hot paths test ``type(value) is int`` first and call this
    only when that fails.
    """
    try:
        index = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, got {value!r}") from None
    return int(index)  # operator.index may return an int subclass on 3.9


def checked(value: SupportsIndex, what: str = "value") -> int:
    """``value`` as a plain ``int`` if it is an integer in 64 bits, else raise."""
    if type(value) is not int:
        value = as_int(value, what)
    if not INT64_MIN <= value <= INT64_MAX:
        raise OverflowError(
            f"{what} {value!r} is outside the signed 64-bit range "
            f"[{INT64_MIN}, {INT64_MAX}]"
        )
    return value


def comparable(expected: SupportsIndex) -> int | None:
    """``compare_and_set``'s expected value as a plain ``int``.

    None when it is outside 64 bits: no counter holds such a value, so it
    never matches. ``TypeError`` when it is not an integer.
    """
    if type(expected) is not int:
        expected = as_int(expected, "expected value")
    if not INT64_MIN <= expected <= INT64_MAX:
        return None
    return expected


def checked_result(value: int) -> int:
    """Return the result of an add if it fits in 64 bits, else raise."""
    if not INT64_MIN <= value <= INT64_MAX:
        raise OverflowError(
            f"counter result {value} is outside the signed 64-bit range; "
            "the counter was left unchanged"
        )
    return value
