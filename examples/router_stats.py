"""Event routing for a worker service: where events go, and what was counted.

Every statistic below sits behind a ``threading.Lock`` taken on the hot path.
``lockless --diff examples/`` shows how each one moves to lock-free atomics:

- ``EventRouter``: plain counters in a dataclass (pattern 1);
- ``InProcessEventBus``: counters plus live values read at snapshot time,
  and an update that adds a runtime amount (pattern 2);
- ``WorkerEventSubscriber``: counters plus a worker id set once, updated by a
  listener thread, with a success/failure branch (pattern 3);
- ``OrchestrationStatistics``: a single "last processed at" time (pattern 5).
"""

from __future__ import annotations

import copy
import dataclasses
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class RouterStats:
    """What the router has done since start-up; returned to the metrics endpoint."""

    total_routed: int = 0
    durable_routed: int = 0
    fast_routed: int = 0
    broadcast_routed: int = 0
    routing_errors: int = 0


class EventRouter:
    """Sends each event to the durable queue, the fast lane, or both."""

    def __init__(self, durable: queue.Queue, fast: queue.Queue) -> None:
        self._durable = durable
        self._fast = fast
        self._stats = RouterStats()
        self._stats_lock = threading.Lock()

    def route_durable(self, event: dict) -> None:
        self._durable.put(event)
        with self._stats_lock:
            self._stats.total_routed += 1
            self._stats.durable_routed += 1

    def route_fast(self, event: dict) -> None:
        try:
            self._fast.put_nowait(event)
        except queue.Full:
            with self._stats_lock:
                self._stats.routing_errors += 1
            return
        with self._stats_lock:
            self._stats.total_routed += 1
            self._stats.fast_routed += 1

    def route_broadcast(self, event: dict) -> None:
        self._durable.put(event)
        self._fast.put(event)
        with self._stats_lock:
            self._stats.total_routed += 1
            self._stats.broadcast_routed += 1

    def get_statistics(self) -> RouterStats:
        with self._stats_lock:
            return copy.copy(self._stats)


@dataclass
class BusStats:
    """Dispatch counters of the in-process bus, plus live registry sizes."""

    events_published: int = 0
    handler_dispatches: int = 0
    handler_errors: int = 0
    registered_handlers: int = 0
    pending_ffi_events: int = 0


class InProcessEventBus:
    """Delivers events to in-process handlers and queues them for the FFI side."""

    def __init__(self) -> None:
        self._handlers: list[Callable[[dict], None]] = []
        self._ffi_events: queue.Queue = queue.Queue()
        self._stats = BusStats()
        self._stats_lock = threading.Lock()

    def subscribe(self, handler: Callable[[dict], None]) -> None:
        self._handlers.append(handler)

    def publish(self, event: dict) -> None:
        with self._stats_lock:
            self._stats.events_published += 1
        self._dispatch(event)
        self._ffi_events.put(event)

    def _dispatch(self, event: dict) -> None:
        error_count = 0
        for handler in list(self._handlers):
            try:
                handler(event)
            except Exception:
                error_count += 1
        with self._stats_lock:
            self._stats.handler_dispatches += 1
            self._stats.handler_errors += error_count

    def get_statistics(self) -> BusStats:
        with self._stats_lock:
            self._stats.registered_handlers = len(self._handlers)
            self._stats.pending_ffi_events = self._ffi_events.qsize()
            return dataclasses.replace(self._stats)


@dataclass
class SubscriberStats:
    """Completion results seen by one worker's subscriber."""

    worker_id: str
    completions: int = 0
    successes: int = 0
    failures: int = 0
    conversion_errors: int = 0


class WorkerEventSubscriber:
    """Listens for step completions on a background thread."""

    def __init__(self, worker_id: str, completions: queue.Queue) -> None:
        self._completions = completions
        self._stats = SubscriberStats(worker_id=worker_id)
        self._stats_lock = threading.Lock()
        self._listener = threading.Thread(target=self._listen, daemon=True)

    def start(self) -> None:
        self._listener.start()

    def _listen(self) -> None:
        while True:
            message = self._completions.get()
            if message is None:
                return
            try:
                success = bool(message["success"])
            except (KeyError, TypeError):
                with self._stats_lock:
                    self._stats.conversion_errors += 1
                continue
            self._record_completion(success)

    def _record_completion(self, success: bool) -> None:
        with self._stats_lock:
            self._stats.completions += 1
            if success:
                self._stats.successes += 1
            else:
                self._stats.failures += 1

    def get_statistics(self) -> SubscriberStats:
        with self._stats_lock:
            return dataclasses.replace(self._stats)


class OrchestrationStatistics:
    """Remembers when the orchestration loop last processed a notification."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_processing_time: float | None = None

    def on_notification(self) -> None:
        with self._lock:
            self._last_processing_time = time.time()

    def last_processing_time(self) -> float | None:
        return self._last_processing_time

    def seconds_since_last_processing(self) -> float | None:
        last = self._last_processing_time
        return None if last is None else time.time() - last
