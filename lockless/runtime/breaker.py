"""Circuit-breaker metrics and state as independent atomics (pattern 4).

``AtomicCircuitBreakerMetrics`` keeps one atomic counter per metric; there is
no lock, so a snapshot is not a consistent cut across metrics. The rules a
snapshot does guarantee, tested as properties:

- every field is one read of one atomic, and the derived values are computed
  from those same reads: ``total_calls == successes + failures``,
  ``failure_rate == failures / total_calls`` (0.0 with no calls) and
  ``average_duration_ns == total_duration_ns // total_calls`` (0 with no
  calls), so derived values always agree with the counts in the snapshot;
- with no concurrent writers, the snapshot equals what a locked version
  would report.

A reader racing with writers may see a duration whose call is not yet
counted (or the reverse), so the average can be off by that call.

``AtomicBreakerState`` keeps the state and the time it opened. ``open``
stores the opened-at time before the state (the store of the state publishes
the time, a release in C terms), and readers load the state before the time
(an acquire), so a reader that sees ``OPEN`` sees that opening's time. Every
transition is an idempotent store: two threads opening at once both succeed
and the later time wins, which is harmless for a reset timeout. The backends
give sequentially consistent stores and loads, stronger than release/acquire.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from lockless.runtime.backend import get_backend


class BreakerState(enum.IntEnum):
    """The three states of a circuit breaker, stored as a small integer."""

    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


@dataclass(frozen=True)
class CircuitBreakerSnapshot:
    """One read of every breaker metric, with values derived from those reads."""

    state: BreakerState
    opened_at_ns: int
    total_calls: int
    successes: int
    failures: int
    consecutive_failures: int
    half_open_calls: int
    total_duration_ns: int
    failure_rate: float
    average_duration_ns: int


class AtomicCircuitBreakerMetrics:
    """Call counts and durations of a breaker, updated without a lock."""

    __slots__ = (
        "_successes",
        "_failures",
        "_consecutive_failures",
        "_half_open_calls",
        "_total_duration_ns",
    )

    def __init__(self, *, backend: str | None = None) -> None:
        chosen = get_backend(backend)
        counter, register = chosen.counter_type, chosen.register_type
        self._successes = counter(0)
        self._failures = counter(0)
        self._total_duration_ns = counter(0)
        # Reset by stores, so registers: cheap stores on every backend.
        self._consecutive_failures = register(0)
        self._half_open_calls = register(0)

    def record_success(self, duration_ns: int) -> None:
        """Count a successful call and reset the consecutive-failure run."""
        self._successes.inc()
        self._total_duration_ns.add(duration_ns)
        # Skipping the store when the run is already 0 keeps the common case
        # to a read. A failure racing with this success may land before or
        # after it, exactly as with an unconditional store.
        if self._consecutive_failures.load():
            self._consecutive_failures.store(0)

    def record_failure(self, duration_ns: int) -> int:
        """Count a failed call; return consecutive failures including this one.

        Compare the result with the threshold to decide whether to open: each
        concurrent failure gets its own count, so exactly one caller sees the
        threshold itself.
        """
        self._failures.inc()
        self._total_duration_ns.add(duration_ns)
        return self._consecutive_failures.add_and_get(1)

    def record_half_open_call(self) -> int:
        """Count a call let through while half-open; return the count so far."""
        return self._half_open_calls.add_and_get(1)

    def reset_half_open(self) -> None:
        """Forget half-open calls (when the breaker closes or re-opens)."""
        self._half_open_calls.store(0)

    def snapshot(
        self, state: BreakerState, opened_at_ns: int = 0
    ) -> CircuitBreakerSnapshot:
        """Read each metric once and derive the rate and average from those reads."""
        successes = self._successes.load()
        failures = self._failures.load()
        total_duration_ns = self._total_duration_ns.load()
        total_calls = successes + failures
        return CircuitBreakerSnapshot(
            state=BreakerState(state),
            opened_at_ns=opened_at_ns,
            total_calls=total_calls,
            successes=successes,
            failures=failures,
            consecutive_failures=self._consecutive_failures.load(),
            half_open_calls=self._half_open_calls.load(),
            total_duration_ns=total_duration_ns,
            failure_rate=failures / total_calls if total_calls else 0.0,
            average_duration_ns=total_duration_ns // total_calls if total_calls else 0,
        )


class AtomicBreakerState:
    """A breaker's state and opened-at time; transitions are idempotent stores."""

    __slots__ = ("_state", "_opened_at_ns")

    def __init__(
        self,
        initial: BreakerState = BreakerState.CLOSED,
        *,
        backend: str | None = None,
    ) -> None:
        register = get_backend(backend).register_type
        self._opened_at_ns = register(0)
        self._state = register(int(BreakerState(initial)))

    def load(self) -> BreakerState:
        """The current state (an acquire load: read it before ``opened_at_ns``)."""
        return BreakerState(self._state.load())

    def open(self, now_ns: int) -> None:
        """Open at ``now_ns``: store the time first, then publish the state."""
        self._opened_at_ns.store(now_ns)
        self._state.store(int(BreakerState.OPEN))

    def close(self) -> None:
        """Close, and clear the opened-at time after the state."""
        self._state.store(int(BreakerState.CLOSED))
        self._opened_at_ns.store(0)

    def half_open(self) -> None:
        """Let trial calls through; the opened-at time is kept."""
        self._state.store(int(BreakerState.HALF_OPEN))

    def opened_at_ns(self) -> int:
        """When the breaker last opened, in epoch ns; 0 if it is not open."""
        return self._opened_at_ns.load()

    def __repr__(self) -> str:
        return f"<AtomicBreakerState {self.load().name} at {self.opened_at_ns()}>"
