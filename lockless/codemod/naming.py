"""Names of generated things: ``Atomic<Stats>`` classes, ``record_*`` methods.

The rule for ``record_*`` methods: a method is named after the owner method
whose lock block it replaces. Leading underscores and one leading ``on_`` or
``record_`` are dropped, then ``record_`` is put in front: ``on_found`` and
``_record_found`` both give ``record_found``, ``route_durable`` gives
``record_route_durable``; a method named ``record`` gives ``record``.
Blocks with the same updates share one method, named after the first of them
(in source order). When two different blocks
would get the same name (two blocks in one method, or ``on_x`` and
``record_x``), the later ones get ``_2``, ``_3``, ... in source order. So the
names depend only on the source, never on the order of analysis.
"""

from __future__ import annotations

from collections.abc import Collection

_DROPPED_PREFIXES = ("on_", "record_")


def atomic_class_name(stats_type: str) -> str:
    """``AtomicRouterStats`` for ``RouterStats`` (or ``stats.RouterStats``)."""
    return "Atomic" + stats_type.rsplit(".", 1)[-1]


def record_method_name(owner_method: str, taken: Collection[str]) -> str:
    """The ``record_*`` name for a block in ``owner_method``, not in ``taken``."""
    base = owner_method.lstrip("_")
    for prefix in _DROPPED_PREFIXES:
        if base.startswith(prefix) and len(base) > len(prefix):
            base = base[len(prefix) :]
            break
    name = "record" if base in ("", "record") else f"record_{base}"
    return unique_name(name, taken)


def unique_name(name: str, taken: Collection[str]) -> str:
    """``name``, or ``name_2``, ``name_3``, ... whichever is first not in ``taken``."""
    if name not in taken:
        return name
    number = 2
    while f"{name}_{number}" in taken:
        number += 1
    return f"{name}_{number}"


def storage_name(field: str) -> str:
    """The attribute of a generated class that holds ``field``'s atomic."""
    return "_" + field.lstrip("_")
