"""The signed 64-bit range every counter lives in, and two's-complement wrapping.

Counter arithmetic wraps like a C or Rust ``int64_t`` atomic: adding 1 to
``INT64_MAX`` gives ``INT64_MIN``. Values handed in explicitly (an initial
value, ``store``, ``swap``, ``compare_and_set``, an ``add`` amount) must
already be in range; anything else raises ``OverflowError``.
"""

from __future__ import annotations

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_MODULUS = 2**64


def wrap(value: int) -> int:
    """Reduce any integer to the signed 64-bit value with the same low 64 bits."""
    return (value - INT64_MIN) % _MODULUS + INT64_MIN


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
