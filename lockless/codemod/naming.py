"""Names of generated things: ``Atomic<Stats>`` classes, ``record_*`` methods.

The rule for ``record_*`` methods says what a lock block records:

- a block that updates exactly one field (in any branch) is named after that
  field, leading underscores dropped: a block doing ``self._stats.routing_errors
  += 1`` gives ``record_routing_errors``, whatever method it sits in;
- any other block is named after the owner method whose lock block it
  replaces. Leading underscores and one leading ``on_`` or ``record_`` are
  dropped, then ``record_`` is put in front: ``on_found`` and
  ``_record_found`` both give ``record_found``, ``route_durable`` gives
  ``record_route_durable``; a method named ``record`` gives ``record``.

Blocks with the same updates share one method, named after the first of them
(in source order). When two different blocks would get the same name (two
multi-field blocks in one method, ``on_x`` and ``record_x``, or a method
``record_hits`` and a block that bumps only ``hits``), the later ones get
``_2``, ``_3``, ... in source order. So the names depend only on the source,
never on the order of analysis.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

_DROPPED_PREFIXES = ("on_", "record_")


def atomic_class_name(stats_type: str) -> str:
    """``AtomicRouterStats`` for ``RouterStats`` (or ``stats.RouterStats``)."""
    return "Atomic" + stats_type.rsplit(".", 1)[-1]


def record_method_name(
    owner_method: str, fields: Sequence[str], taken: Collection[str]
) -> str:
    """The ``record_*`` name for a block of ``owner_method`` updating ``fields``.

    The name is not one in ``taken``.
    """
    if len(fields) == 1:
        return unique_name("record_" + fields[0].lstrip("_"), taken)
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
