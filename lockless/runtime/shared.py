"""Counters on a named shared-memory segment, shared by processes (pre-fork workers).

Declare the fields on a subclass of ``SharedStats``::

    class WorkerCounters(SharedStats):
        requests = SharedCounter()
        errors = SharedCounter()
        last_request = SharedTimestamp()

    counters = WorkerCounters.create()          # the parent, before forking
    counters.requests.inc()                     # any process, lock-free
    other = WorkerCounters.attach(counters.name)  # a process that did not fork
    ...
    other.close()                               # every process, when done
    counters.unlink()                           # the creator, once, at the end

Each counter field is an ``AtomicCounter`` (the same API as in-process
counters) whose 64 bits live in the segment; a timestamp field is an
``AtomicTimestamp`` over such a counter. Operations use the ``atomics``
package, which works on any writable buffer; install ``lockless[shared]``.
Processes that fork after ``create`` share the mapping and can use the
parent's object directly; other processes ``attach`` by name.

The segment starts with a header recording the layout: a magic number, then
the class name and the ``(field name, kind)`` pairs as JSON. ``attach``
compares that layout with the attaching class and raises ``LayoutMismatch``
on any difference (names, order or kinds), so two programs can never read
each other's counters as their own. The magic number is written last, so an
attach that races with a ``create`` sees an unfinished segment and says so.
Each field has a 64-byte cache line of its own, so processes updating
different counters do not slow each other down.

Lifetime: the creator owns the segment. ``attach`` does not register the
segment with Python's resource tracker (which would otherwise delete it when
the attaching process exits); the creator's ``unlink`` removes it, and if
the creator exits without unlinking, its resource tracker removes it then.
"""

from __future__ import annotations

import json
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import tzinfo
from multiprocessing import resource_tracker, shared_memory
from types import TracebackType
from typing import Any, ClassVar, TypeVar, overload

from lockless.exceptions import LayoutMismatch
from lockless.runtime.buffer_counter import BufferCounter
from lockless.runtime.counter import AtomicCounter
from lockless.runtime.timestamp import AtomicTimestamp, TimeKind

MAGIC = b"LOCKLSS1"
SLOT_BYTES = 64
_LENGTH = struct.Struct("<I")
_HEADER_START = len(MAGIC) + _LENGTH.size

S = TypeVar("S", bound="SharedStats")


def _atomics() -> Any:
    try:
        import atomics  # type: ignore[import-untyped]  # ships no type information
    except ImportError as error:
        raise ImportError(
            "counters on shared memory need the 'atomics' package; "
            "install it with: pip install 'lockless[shared]'"
        ) from error
    return atomics


class SharedField:
    """A field of a ``SharedStats`` class; subclasses say what it holds."""

    kind: ClassVar[str] = "abstract"

    def __init__(self) -> None:
        self.name = "<unbound>"

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __set__(self, instance: SharedStats, value: object) -> None:
        raise AttributeError(
            f"shared field {self.name!r} cannot be reassigned; "
            "use its store() method to change the value"
        )

    def build(self, counter: AtomicCounter) -> Any:
        """The object this field reads as, given the counter over its slot."""
        raise NotImplementedError


class SharedCounter(SharedField):
    """A 64-bit counter in shared memory; reads as an ``AtomicCounter``."""

    kind = "counter"

    @overload
    def __get__(self, instance: None, owner: type) -> SharedCounter: ...

    @overload
    def __get__(self, instance: SharedStats, owner: type) -> AtomicCounter: ...

    def __get__(
        self, instance: SharedStats | None, owner: type
    ) -> SharedCounter | AtomicCounter:
        if instance is None:
            return self
        value: AtomicCounter = instance.field(self.name)
        return value

    def build(self, counter: AtomicCounter) -> AtomicCounter:
        return counter


class SharedTimestamp(SharedField):
    """Epoch nanoseconds in shared memory; reads as an ``AtomicTimestamp``."""

    kind = "timestamp"

    def __init__(self, kind: TimeKind = "float", *, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.value_kind = kind
        self.tz = tz

    @overload
    def __get__(self, instance: None, owner: type) -> SharedTimestamp: ...

    @overload
    def __get__(self, instance: SharedStats, owner: type) -> AtomicTimestamp[Any]: ...

    def __get__(
        self, instance: SharedStats | None, owner: type
    ) -> SharedTimestamp | AtomicTimestamp[Any]:
        if instance is None:
            return self
        value: AtomicTimestamp[Any] = instance.field(self.name)
        return value

    def build(self, counter: AtomicCounter) -> AtomicTimestamp[Any]:
        return AtomicTimestamp.over(counter, self.value_kind, tz=self.tz)


_untracked_attach = threading.Lock()


@contextmanager
def _not_tracked() -> Iterator[None]:
    # Before 3.13, attaching registers the segment with the resource tracker,
    # which then deletes it when this process exits; keep attaches out of it.
    # Swapping the module function is process-wide: a segment another thread
    # creates during these few microseconds is left untracked too.
    with _untracked_attach:
        register = resource_tracker.register
        resource_tracker.register = lambda name, rtype: None
        try:
            yield
        finally:
            resource_tracker.register = register


def _buffer(segment: shared_memory.SharedMemory) -> memoryview:
    buffer = segment.buf
    if buffer is None:
        raise ValueError(f"shared memory {segment.name!r} is closed")
    return buffer


def _open_existing(name: str) -> shared_memory.SharedMemory:
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, track=False)
    with _not_tracked():
        return shared_memory.SharedMemory(name=name)


class SharedStats:
    """Base class of a set of counters on one shared-memory segment."""

    fields: ClassVar[tuple[SharedField, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, SharedField] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, SharedField):
                    found[name] = value
        cls.fields = tuple(found.values())

    @classmethod
    def layout(cls) -> dict[str, Any]:
        """What the header records: the class name and ``[name, kind]`` pairs."""
        return {
            "class": cls.__qualname__,
            "fields": [[field.name, field.kind] for field in cls.fields],
        }

    @classmethod
    def _data_start(cls, header: bytes) -> int:
        end = _HEADER_START + len(header)
        return -(-end // SLOT_BYTES) * SLOT_BYTES

    @classmethod
    def create(cls: type[S], name: str | None = None) -> S:
        """Create a zeroed segment (named ``name``, or a fresh name) for this class."""
        if not cls.fields:
            raise TypeError(f"{cls.__name__} declares no shared fields")
        _atomics()  # fail before creating a segment nobody would unlink
        header = json.dumps(cls.layout(), separators=(",", ":")).encode()
        start = cls._data_start(header)
        size = start + SLOT_BYTES * len(cls.fields)
        segment = shared_memory.SharedMemory(name=name, create=True, size=size)
        buffer = _buffer(segment)
        end = _HEADER_START + len(header)
        buffer[len(MAGIC) : _HEADER_START] = _LENGTH.pack(len(header))
        buffer[_HEADER_START:end] = header
        buffer[: len(MAGIC)] = MAGIC  # last: the segment is complete
        return cls(segment, start, owner=True)

    @classmethod
    def attach(cls: type[S], name: str) -> S:
        """Open the existing segment ``name``; ``LayoutMismatch`` if it is not ours."""
        segment = _open_existing(name)
        try:
            start = cls._check_layout(segment)
        except BaseException:
            segment.close()
            raise
        return cls(segment, start, owner=False)

    @classmethod
    def _check_layout(cls, segment: shared_memory.SharedMemory) -> int:
        buffer = _buffer(segment)
        if bytes(buffer[: len(MAGIC)]) != MAGIC:
            raise LayoutMismatch(
                f"shared memory {segment.name!r} is not a lockless segment, or its "
                "creator has not finished writing it (no header found)"
            )
        (length,) = _LENGTH.unpack(bytes(buffer[len(MAGIC) : _HEADER_START]))
        header = bytes(buffer[_HEADER_START : _HEADER_START + length])
        found = json.loads(header)
        expected = cls.layout()
        if found["fields"] != expected["fields"]:
            raise LayoutMismatch(
                f"shared memory {segment.name!r} was created by {found['class']!r} "
                f"with fields {found['fields']!r}; {cls.__qualname__} expects "
                f"{expected['fields']!r}"
            )
        start = cls._data_start(header)
        if segment.size < start + SLOT_BYTES * len(cls.fields):
            raise LayoutMismatch(
                f"shared memory {segment.name!r} is {segment.size} bytes, too small "
                f"for the {len(cls.fields)} fields of {cls.__qualname__}"
            )
        return start

    def __init__(
        self, segment: shared_memory.SharedMemory, start: int, *, owner: bool
    ) -> None:
        atomics = _atomics()
        self._segment = segment
        self._owner = owner
        self._contexts: list[Any] = []
        self._values: dict[str, Any] = {}
        buffer = _buffer(segment)
        for index, field in enumerate(self.fields):
            offset = start + index * SLOT_BYTES
            context = atomics.atomicview(
                buffer=buffer[offset : offset + 8], atype=atomics.INT
            )
            self._contexts.append(context)
            self._values[field.name] = field.build(BufferCounter(context.__enter__()))

    @property
    def name(self) -> str:
        """The segment's name, for ``attach`` in another process."""
        return self._segment.name

    def field(self, name: str) -> Any:
        """The live object of field ``name`` (what ``self.<name>`` returns)."""
        try:
            return self._values[name]
        except KeyError:
            raise ValueError(
                f"{type(self).__name__} is closed, or has no shared field {name!r}"
            ) from None

    def snapshot(self) -> dict[str, int]:
        """One atomic read of each field's 64 bits (nanoseconds for timestamps)."""
        result: dict[str, int] = {}
        for name, value in self._values.items():
            read = value.load_ns if isinstance(value, AtomicTimestamp) else value.load
            result[name] = read()
        return result

    def close(self) -> None:
        """Release this process's mapping; the counters live on for the others."""
        self._values.clear()
        while self._contexts:
            self._contexts.pop().__exit__(None, None, None)
        self._segment.close()

    def unlink(self) -> None:
        """Delete the segment's name; call once, from the creator, after ``close``."""
        self._segment.unlink()

    def __enter__(self: S) -> S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
