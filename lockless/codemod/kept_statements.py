"""Statements under a stats lock that need no lock: flags, relocking calls, resets.

Three shapes next to a stats object's counters are recognised:

- ``self._enabled = False``: a *flag*, an owner attribute that is only ever
  stored whole (a literal or a local, never read-modify-write) and never read
  with the lock held. Readers see one store or the other with or without the
  lock, so the store stays as written and the lock adds nothing;
- ``self.reset()``: a call, with the lock held, of an owner method whose
  whole body is a block on the same (reentrant) lock. That method protects
  itself; once it is rewritten, holding the lock around the call only joins
  it with flag stores that no reader takes the lock for;
- ``self._stats = Stats()``: the stats object replaced by a fresh one built
  the way ``__init__`` builds it. It becomes ``reset()`` on the atomic class,
  which stores each counter's initial value one field at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import libcst as cst

from lockless.codemod.operations import (
    BlockContext,
    KeptStatement,
    ResetStats,
)
from lockless.codemod.references import FieldKey, code_of, self_attribute
from lockless.codemod.scan import ClassScan


def kept_or_reset(
    small: cst.Assign, context: BlockContext
) -> KeptStatement | ResetStats | None:
    """A flag store or a reset of the stats object, else ``None``."""
    if len(small.targets) != 1:
        return None
    name = self_attribute(small.targets[0].target)
    if name is None:
        return None
    if ("", name) in context.flags:
        return KeptStatement(small)
    fresh = context.fresh_stats.get(name)
    if fresh is not None and code_of(small.value) == fresh:
        return ResetStats(name, small)
    return None


def relocking_call(small: cst.Expr, context: BlockContext) -> KeptStatement | None:
    """``self.<method>()`` of a method that takes the same lock itself."""
    call = small.value
    if not isinstance(call, cst.Call) or call.args:
        return None
    if self_attribute(call.func) in context.relocking:
        return KeptStatement(small)
    return None


def find_flags(
    scan: ClassScan, lock: str, candidates: Collection[FieldKey]
) -> list[FieldKey]:
    """Attributes among ``candidates`` that are plain stores read without ``lock``."""
    flags: list[FieldKey] = []
    for key in candidates:
        if key[0]:
            continue
        writes = [w for w in scan.writes if w.key == key]
        reads = [r for r in scan.reads if r.key == key]
        plain = all(_plain_store(w.statement) for w in writes)
        unlocked = all(lock not in r.held for r in reads)
        if writes and plain and unlocked and key[1] not in scan.methods:
            flags.append(key)
    return flags


def _plain_store(statement: cst.BaseSmallStatement | None) -> bool:
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return False
    value = statement.value
    if isinstance(value, cst.Name):
        return True
    return isinstance(value, (cst.Integer, cst.Float, cst.SimpleString))


def find_relocking(scan: ClassScan, lock: str) -> list[str]:
    """Owner methods whose body, docstring aside, is one ``with self.<lock>:``."""
    found: list[str] = []
    for name, method in scan.methods.items():
        body = method.body
        if not isinstance(body, cst.IndentedBlock):
            continue
        statements = [s for s in body.body if not _is_docstring(s)]
        if len(statements) != 1 or not isinstance(statements[0], cst.With):
            continue
        items = statements[0].items
        if len(items) == 1 and self_attribute(items[0].item) == lock:
            found.append(name)
    return found


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString)
    )


def fresh_constructions(
    stats_attr: str | None, construction: cst.Call | None
) -> Mapping[str, str]:
    """``{stats_attr: "Stats()"}`` when ``__init__`` builds it with no arguments."""
    if stats_attr is None or construction is None or construction.args:
        return {}
    return {stats_attr: code_of(construction)}
