"""Sizes and a thread runner for the runtime's threaded exactness tests.

``LOCKLESS_STRESS_OPS`` sets the operations per thread (default 100,000; the
free-threaded lane raises it). Imports only the standard library.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

STRESS_THREADS = 4
STRESS_OPS = int(os.environ.get("LOCKLESS_STRESS_OPS", "100000"))

# The atomics package costs microseconds per operation; keep its runs short.
SLOW_BACKENDS = {"atomics": 10_000}


def ops_for(backend: str) -> int:
    """Operations per thread for a threaded test of ``backend``."""
    return min(STRESS_OPS, SLOW_BACKENDS.get(backend, STRESS_OPS))


def run_threads(target: Callable[[int], None], count: int = STRESS_THREADS) -> None:
    """Start ``count`` threads together on ``target(index)`` and join them all."""
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def body(index: int) -> None:
        start.wait()
        try:
            target(index)
        except BaseException as error:  # re-raised in the test's thread below
            failures.append(error)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
