"""The signed 64-bit range every counter lives in.

A counter never wraps silently. Values handed in (an initial value,
``store``, ``swap``, ``compare_and_set``'s new value, an ``add`` amount)
must be in range, and an operation whose result would leave the range
raises ``OverflowError`` and leaves the counter as it was (see
``lockless.runtime.counter`` for the one backend that reports it on the
next read instead).
"""

from __future__ import annotations

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def checked(value: int, what: str = "value") -> int:
    """Return ``value`` if it is an int in the signed 64-bit range, else raise."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got {value!r}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise OverflowError(
            f"{what} {value!r} is outside the signed 64-bit range "
            f"[{INT64_MIN}, {INT64_MAX}]"
        )
    return value


def checked_result(value: int) -> int:
    """Return the result of an add if it fits in 64 bits, else raise."""
    if not INT64_MIN <= value <= INT64_MAX:
        raise OverflowError(
            f"counter result {value} is outside the signed 64-bit range; "
            "the counter was left unchanged"
        )
    return value
