"""The runtime that rewritten code imports: atomics for lock-free statistics.

Nothing here imports libcst or jinja2, prints or logs. The classes, one per
pattern of lock-guarded statistics:

1. Plain counters: ``AtomicCounter`` (and ``AtomicFloat`` for float sums),
   one per counter field of the generated ``Atomic<Name>`` class.
2. Counters plus live values: no runtime class. Values such as
   ``len(self._handlers)`` are not state of the stats object; the generated
   ``snapshot()`` takes them as keyword parameters
   (``snapshot(*, handlers: int)``), and the owner evaluates them in its
   reader while holding nothing, then passes them in. The counters are read
   atomically; the live values are as fresh as the caller's own reads.
3. Counters plus an identity field: ``IdentityField``, a write-once
   attribute set in the constructor.
4. Circuit breakers: ``AtomicCircuitBreakerMetrics`` and
   ``AtomicBreakerState``, giving ``CircuitBreakerSnapshot``.
5. "Last processed at": ``AtomicTimestamp``, epoch nanoseconds, 0 = never.
   ``seconds_to_ns``, ``ns_to_seconds`` and ``datetime_to_ns`` are its exact
   conversions, for code that keeps nanoseconds itself (a breaker's
   opened-at time): for today's ``time.time()`` values ``round(t * 1e9)``
   can be off by up to 128 ns and does not always give ``t`` back;
   ``seconds_to_ns(t)`` is the nearest nanosecond and round-trips exactly.

Every class takes ``backend=`` to choose an implementation; see
``lockless.runtime.backend`` for the backends and how the default is chosen,
and ``available_backends()`` / ``default_backend()`` to ask. Counters on
shared memory between processes are in ``lockless.runtime.shared``.
"""

from __future__ import annotations

from lockless.runtime.backend import (
    BackendError,
    available_backends,
    default_backend,
)
from lockless.runtime.breaker import (
    AtomicBreakerState,
    AtomicCircuitBreakerMetrics,
    BreakerState,
    CircuitBreakerSnapshot,
)
from lockless.runtime.counter import AtomicCounter, CounterHandle
from lockless.runtime.floats import AtomicFloat
from lockless.runtime.identity import IdentityField
from lockless.runtime.int64 import INT64_MAX, INT64_MIN
from lockless.runtime.timestamp import (
    AtomicTimestamp,
    datetime_to_ns,
    ns_to_seconds,
    seconds_to_ns,
)

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "AtomicBreakerState",
    "AtomicCircuitBreakerMetrics",
    "AtomicCounter",
    "AtomicFloat",
    "AtomicTimestamp",
    "BackendError",
    "BreakerState",
    "CircuitBreakerSnapshot",
    "CounterHandle",
    "IdentityField",
    "available_backends",
    "datetime_to_ns",
    "default_backend",
    "ns_to_seconds",
    "seconds_to_ns",
]
