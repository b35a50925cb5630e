"""The operations a lock block is made of, and the refusals it can give.

``blocks.classify_block`` produces them; the planners of bare fields and
stats objects turn them into edits.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from lockless.codemod.references import FieldKey, Reference, references_in


@dataclass(frozen=True)
class Refusal:
    """One reason the owner must stay as it is, at one line."""

    line: int
    reason: str
    key: str
    """What makes two refusals the same reason (reported once)."""


@dataclass(frozen=True)
class Update:
    """``field += amount``, ``field = field + amount`` or ``field = value``."""

    key: FieldKey
    store: bool
    value: cst.BaseExpression
    negate: bool
    statement: cst.BaseSmallStatement


@dataclass(frozen=True)
class Conditional:
    """``if <test on locals>: updates else: updates``."""

    test: cst.BaseExpression
    body: tuple[Update | Conditional, ...]
    orelse: tuple[Update | Conditional, ...]
    statement: cst.If


@dataclass(frozen=True)
class ReturnField:
    """``return self.f``: a read, or with a preceding increment an add-and-get."""

    key: FieldKey
    statement: cst.Return


@dataclass(frozen=True)
class ReturnValue:
    """``return <expression>`` reading counters one at a time (a bare reader)."""

    statement: cst.Return


@dataclass(frozen=True)
class LiveAssign:
    """``self._stats.size = <live value>`` just before a copy is returned."""

    key: FieldKey
    value: cst.BaseExpression
    statement: cst.BaseSmallStatement


@dataclass(frozen=True)
class ReturnCopy:
    """``return copy.copy(self._stats)`` or another copy of the stats object."""

    stats_attr: str
    live: tuple[tuple[str, cst.BaseExpression], ...]
    statement: cst.Return


@dataclass(frozen=True)
class Swap:
    """``old, self.f = self.f, value``: one field read and reset in one step."""

    key: FieldKey
    local: str
    value: cst.BaseExpression
    statement: cst.BaseSmallStatement


@dataclass(frozen=True)
class KeptStatement:
    """A statement that stays as written once the lock is gone.

    A store of a flag the lock adds nothing to, or a call of an owner method
    that takes the same (reentrant) lock itself.
    """

    statement: cst.BaseSmallStatement


@dataclass(frozen=True)
class ResetStats:
    """``self._stats = Stats()``: the stats object replaced by a fresh one."""

    stats_attr: str
    statement: cst.BaseSmallStatement


Operation = Union[
    Update,
    Conditional,
    ReturnField,
    ReturnValue,
    LiveAssign,
    ReturnCopy,
    Swap,
    KeptStatement,
    ResetStats,
]


@dataclass
class BlockContext:
    """What the classifier must know about the owner around one block."""

    lock: str
    method: str
    fields: Collection[FieldKey]
    stats_attrs: Collection[str]
    line_of: Callable[[cst.CSTNode], int]
    resetters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Stats-object methods that assign several fields, by method name."""
    copiers: Collection[str] = ()
    """Stats-object methods that only return a copy."""
    flags: Collection[FieldKey] = ()
    """Owner attributes only ever stored plainly and read without the lock."""
    relocking: Collection[str] = ()
    """Owner methods whose whole body is a block on this same lock."""
    fresh_stats: Mapping[str, str] = field(default_factory=dict)
    """``Stats()`` code that builds each stats attribute afresh, by attribute."""


@dataclass
class BlockResult:
    operations: list[Operation] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


_STATE_KINDS = frozenset({"field", "stats", "method", "await"})


def state_references(node: cst.CSTNode, context: BlockContext) -> list[Reference]:
    """References to the owner's state (through ``self``) and awaits in ``node``.

    Attributes of locals and of module-level names (``time.time``) are not
    state: they become parameters or stay inline.
    """
    return [
        r for r in references_in(node, context.stats_attrs) if r.kind in _STATE_KINDS
    ]


def updates_of(key: FieldKey, operations: Sequence[Operation]) -> list[Update]:
    """Every update of ``key`` in ``operations``, inside conditionals too."""
    found: list[Update] = []
    for op in operations:
        if isinstance(op, Update) and op.key == key:
            found.append(op)
        elif isinstance(op, Conditional):
            found.extend(updates_of(key, [*op.body, *op.orelse]))
    return found


def updates_per_path(operations: Sequence[Operation]) -> dict[FieldKey, int]:
    """The most updates of each field on any one path through ``operations``."""
    counts: dict[FieldKey, int] = {}
    for op in operations:
        if isinstance(op, (Update, Swap)):
            counts[op.key] = counts.get(op.key, 0) + 1
        elif isinstance(op, Conditional):
            body, orelse = updates_per_path(op.body), updates_per_path(op.orelse)
            for key in {*body, *orelse}:
                most = max(body.get(key, 0), orelse.get(key, 0))
                counts[key] = counts.get(key, 0) + most
    return counts
