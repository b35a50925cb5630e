"""What the analysis decided to change: generated classes and node-level edits.

The analysis fills an ``EditPlan`` keyed by nodes of the module it analysed;
``transform`` applies it. Replacement code is held as text with four-space
indentation and ``\\n`` line endings and is parsed with the target module's
own config when applied, so tabs and CRLF files keep their style.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass(frozen=True)
class AtomicField:
    """One runtime atomic that replaces one statistics field."""

    name: str
    """The stats field or owner attribute it replaces."""

    atomic: str
    """``AtomicCounter``, ``AtomicFloat`` or ``AtomicTimestamp``."""

    arguments: str
    """Constructor arguments as code: ``0``, ``start``, ``kind="datetime"``."""

    value_type: str
    """The Python type a load returns: ``int``, ``float``, ``datetime``."""


@dataclass(frozen=True)
class Parameter:
    """One parameter of a generated method."""

    name: str
    annotation: str


@dataclass(frozen=True)
class RecordMethod:
    """A generated ``record_*`` method: one distinct update block."""

    name: str
    parameters: tuple[Parameter, ...]
    body: tuple[str, ...]
    """Body lines, indented relative to the method body."""

    returns: str = "None"


@dataclass(frozen=True)
class GeneratedClass:
    """An ``Atomic<Stats>`` class rendered above its owner."""

    name: str
    stats_type: str
    owner: str
    lock: str
    counters: tuple[AtomicField, ...]
    identity: tuple[Parameter, ...]
    live: tuple[Parameter, ...]
    methods: tuple[RecordMethod, ...]
    snapshot_fields: tuple[tuple[str, str], ...] = ()
    """Keyword arguments of the stats type in ``snapshot()``: name and value code."""
    resets: tuple[tuple[str, str], ...] = ()
    """Storage and initial value of each counter ``reset()`` stores; empty: none."""


@dataclass
class EditPlan:
    """Every change to one module, keyed by the module's original nodes."""

    small: dict[cst.CSTNode, str | None] = field(default_factory=dict)
    """Small statements replaced by code, or removed (``None``)."""

    compound: dict[cst.CSTNode, str | None] = field(default_factory=dict)
    """``with`` statements replaced by code, or unwrapped (``None``)."""

    expressions: dict[cst.CSTNode, str] = field(default_factory=dict)
    """Expressions replaced by code (a read becomes ``.load()``)."""

    before_class: dict[cst.CSTNode, list[GeneratedClass]] = field(default_factory=dict)
    """Generated classes to place just above an owner class."""

    append_to_function: dict[cst.CSTNode, list[str]] = field(default_factory=dict)
    """Statements appended to a function body (atomics created in ``__init__``)."""

    after_function: dict[cst.CSTNode, list[str]] = field(default_factory=dict)
    """Class-body code placed after a method (a property for a public field)."""

    runtime_names: set[str] = field(default_factory=set)
    """Names to import from the runtime module."""

    removed_locks: set[str] = field(default_factory=set)
    """Kinds of lock whose construction was removed (imports may go unused)."""

    dropped: list[cst.CSTNode] = field(default_factory=list)
    """Removed annotations whose imports may go unused (``Optional[float]``)."""

    def is_empty(self) -> bool:
        return not (
            self.small
            or self.compound
            or self.expressions
            or self.before_class
            or self.append_to_function
            or self.after_function
        )

    def merge(self, other: EditPlan) -> None:
        """Add every edit of ``other`` to this plan."""
        self.small.update(other.small)
        self.compound.update(other.compound)
        self.expressions.update(other.expressions)
        for node, classes in other.before_class.items():
            self.before_class.setdefault(node, []).extend(classes)
        for node, lines in other.append_to_function.items():
            self.append_to_function.setdefault(node, []).extend(lines)
        for node, blocks in other.after_function.items():
            self.after_function.setdefault(node, []).extend(blocks)
        self.runtime_names |= other.runtime_names
        self.removed_locks |= other.removed_locks
        self.dropped.extend(other.dropped)
