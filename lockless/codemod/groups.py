"""The unit of analysis: one lock of one owner class, and what the module tells us.

``Group`` collects what ``analysis`` finds about a lock and its fields; the
checks fill in its refusals and the planners turn a clean group into edits.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import libcst as cst

from lockless.codemod.kept_statements import find_relocking, fresh_constructions
from lockless.codemod.locks import LockAttribute
from lockless.codemod.operations import BlockContext, BlockResult, Refusal
from lockless.codemod.partial import KeptBlock
from lockless.codemod.references import FieldKey, code_of
from lockless.codemod.scan import ClassScan, LockBlock
from lockless.codemod.stats_classes import StatsClass

LineOf = Callable[[cst.CSTNode], int]


@dataclass
class ModuleFacts:
    """What the analysis of one class needs to know about the rest of the module."""

    module: cst.Module
    line_of: LineOf
    stats_classes: dict[str, StatsClass]
    subclasses: dict[str, list[cst.ClassDef]]
    outside_writes: dict[str, list[int]]
    """Attribute names assigned on something other than ``self``, with lines."""
    outside_reads: dict[str, list[int]]
    """Attribute names read on something other than ``self``, with lines."""
    module_names: set[str]
    """Names bound at module level (imports, classes, functions, globals)."""
    column_of: Callable[[cst.CSTNode], int] = lambda node: 0
    """The 0-based column where ``node`` starts."""


@dataclass
class Group:
    """One lock of one owner class and the fields written under it."""

    owner: cst.ClassDef
    lock: LockAttribute
    scan: ClassScan
    blocks: list[LockBlock]
    fields: list[FieldKey]
    stats_attr: str | None
    results: dict[cst.With, BlockResult] = field(default_factory=dict)
    unlocked_readers: list[BlockResult] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    flags: list[FieldKey] = field(default_factory=list)
    """Attributes stored plainly under the lock but read without it."""
    kept_blocks: dict[cst.With, KeptBlock] = field(default_factory=dict)
    """Blocks whose lock stays for other state; their counter updates move out."""
    summary: str = ""
    """What the rewrite did, once it is planned."""

    @property
    def lock_text(self) -> str:
        return f"self.{self.lock.name}"


def block_statements(statement: cst.With) -> list[cst.BaseStatement]:
    """The statements inside a ``with`` block, one-line bodies included."""
    body = statement.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    assert isinstance(body, cst.IndentedBlock)
    return list(body.body)


def block_context(
    group: Group,
    method: str,
    stats_attrs: Collection[str],
    facts: ModuleFacts,
    stats: StatsClass | None,
) -> BlockContext:
    return BlockContext(
        lock=group.lock_text,
        method=method,
        fields=group.fields,
        stats_attrs=stats_attrs,
        line_of=facts.line_of,
        resetters=stats.resetters if stats else {},
        copiers=stats.copiers if stats else (),
        flags=group.flags,
        relocking=find_relocking(group.scan, group.lock.name)
        if group.lock.kind == "RLock" and group.stats_attr is not None
        else (),
        fresh_stats=fresh_constructions(group.stats_attr, stats_construction(group)),
    )


def stats_type_name(group: Group) -> str | None:
    """The name of the class the stats attribute is constructed from."""
    if group.stats_attr is None:
        return None
    construction = stats_construction(group)
    if construction is None:
        return None
    return code_of(construction.func)


def stats_construction(group: Group) -> cst.Call | None:
    """The ``Stats(...)`` call assigned to the stats attribute in ``__init__``."""
    for write in group.scan.writes:
        if (
            write.method == "__init__"
            and write.key == ("", group.stats_attr)
            and isinstance(write.statement, cst.Assign)
            and isinstance(write.statement.value, cst.Call)
        ):
            return write.statement.value
    return None
