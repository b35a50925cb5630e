"""Which implementation of the atomics a process uses, and how it is chosen.

A backend is a named family of three concrete classes: a counter (built for
``add``), a register (built for ``store`` and ``load``, used by timestamps
and breaker state) and a float cell. The public classes ``AtomicCounter``
and ``AtomicFloat`` construct the class of the chosen backend, so a counter
is always an instance of ``AtomicCounter`` whatever backs it.

Backends:

``cereggii``
    True hardware atomics from the ``cereggii`` extension. The default when it
    imports and importing it leaves ``sys._is_gil_enabled()`` as it was (on a
    free-threaded interpreter an extension that turns the GIL back on would
    cost more than it saves).
``sharded``
    Pure Python, no dependencies: each thread adds into its own cell and a
    read sums the cells. The default when cereggii is not usable.
``locked``
    One ``threading.Lock`` around a plain int. Always correct; the reference
    the others are tested against.
``atomics``
    The ``atomics`` package on a private buffer. Slow and, on free-threaded
    builds, it turns the GIL back on; it exists for shared memory between
    processes (``lockless.runtime.shared``) and is never chosen by default.

Fork: ``cereggii`` holds no locks. The ``sharded`` and ``locked`` backends
use ``threading.Lock`` like the code they replace, and like it they are not
reset at ``fork``: fork from a thread that is not updating them at that
moment (a pre-fork master usually is the only thread). For counters shared
by the forked workers, see ``lockless.runtime.shared``.

The choice, in order: the ``backend=`` argument of a constructor; else the
``LOCKLESS_BACKEND`` environment variable (read by each constructor that has
no ``backend=``); else ``cereggii`` if usable; else ``sharded``. Which
backends are usable is worked out once per process, on first use rather than
at ``import lockless``, so importing stays cheap. A name that is unknown, or
known but not usable here, raises ``BackendError`` naming it and the valid
choices; a bad ``LOCKLESS_BACKEND`` fails the first construction, not the
import. ``atomics`` counts as usable whenever it is installed, because
finding out whether it would turn the GIL back on means importing it.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from lockless.runtime.counter import AtomicCounter
    from lockless.runtime.floats import AtomicFloat

ENV_VAR = "LOCKLESS_BACKEND"
BACKEND_NAMES = ("cereggii", "sharded", "locked", "atomics")

_MODULES = {
    "cereggii": "lockless.runtime.cereggii_backend",
    "sharded": "lockless.runtime.sharded",
    "locked": "lockless.runtime.locked",
    "atomics": "lockless.runtime.atomics_backend",
}


class BackendError(ValueError):
    """A backend name is not known, or names a backend this process cannot use."""


@runtime_checkable
class Backend(Protocol):
    """What every backend module provides as its ``BACKEND`` object."""

    @property
    def name(self) -> str: ...

    @property
    def counter_type(self) -> type[AtomicCounter]: ...

    @property
    def register_type(self) -> type[AtomicCounter]: ...

    @property
    def float_type(self) -> type[AtomicFloat]: ...


_lock = threading.Lock()
_available: tuple[str, ...] | None = None
_loaded: dict[str, Backend] = {}


def _gil_enabled() -> bool:
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def _cereggii_usable() -> bool:
    # Importing is the only way to learn whether it loads and keeps the GIL off.
    before = _gil_enabled()
    try:
        importlib.import_module("cereggii")
    except ImportError:
        return False
    return _gil_enabled() == before


def _installed(module: str) -> bool:
    # Finds the module without importing it.
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: blocked in sys.modules
        return False


def available_backends() -> tuple[str, ...]:
    """The names of the backends this process can use, in order of preference.

    ``atomics`` is listed when the package is installed; checking does not
    import it.
    """
    global _available
    with _lock:
        if _available is None:
            names = ["cereggii"] if _cereggii_usable() else []
            names += ["sharded", "locked"]
            if _installed("atomics"):
                names.append("atomics")
            _available = tuple(names)
        return _available


def _check_name(name: str, origin: str) -> str:
    if name not in BACKEND_NAMES:
        raise BackendError(
            f"unknown lockless backend {name!r}{origin}; "
            f"valid names are {', '.join(map(repr, BACKEND_NAMES))}"
        )
    usable = available_backends()
    if name not in usable:
        raise BackendError(
            f"lockless backend {name!r}{origin} is not usable in this process "
            f"(not installed, or importing it would re-enable the GIL); "
            f"usable here: {', '.join(map(repr, usable))}"
        )
    return name


def default_backend() -> str:
    """The backend a constructor uses when it is given no ``backend=``."""
    requested = os.environ.get(ENV_VAR, "").strip()
    if requested:
        return _check_name(requested, f" (from ${ENV_VAR})")
    return available_backends()[0]


def usable_or_default(name: str) -> str | None:
    """``name`` if this process can use it, else ``None`` (meaning the default)."""
    return name if name in available_backends() else None


def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name``, or the default one; loaded on first use."""
    chosen = default_backend() if name is None else _check_name(name, "")
    found = _loaded.get(chosen)
    if found is None:
        module = importlib.import_module(_MODULES[chosen])
        found = module.BACKEND
        _loaded[chosen] = found
    return found
