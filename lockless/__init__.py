"""lockless: lock-free statistics for Python services, and a codemod to adopt them.

Importing ``lockless`` loads only the runtime (``lockless.runtime``); the
codemod and its dependencies (libcst, jinja2) load only when it runs.
"""

from __future__ import annotations

from lockless.runtime import (
    INT64_MAX,
    INT64_MIN,
    AtomicBreakerState,
    AtomicCircuitBreakerMetrics,
    AtomicCounter,
    AtomicFloat,
    AtomicTimestamp,
    BackendError,
    BreakerState,
    CircuitBreakerSnapshot,
    CounterHandle,
    IdentityField,
    available_backends,
    datetime_to_ns,
    default_backend,
    ns_to_seconds,
    seconds_to_ns,
)

__version__ = "0.1.0"

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
    "__version__",
    "available_backends",
    "datetime_to_ns",
    "default_backend",
    "ns_to_seconds",
    "seconds_to_ns",
]
