"""Rewrites that keep the lock: counters leave it, other state stays behind it.

A lock that also guards other state (a list, a dict, a flag read under it)
is refused as a whole by ``blocks``. Its bare counters can still move to
atomics when nothing ties them to that state:

- the only refusals of the group are "the lock also guards ..." ones;
- in each such block, the counter updates are plain statements (``f += n``,
  ``f = value``) forming a run at the start or at the end of the block, so
  moving them just before or just after the ``with`` keeps them on the same
  paths (an exception or a ``return`` in the other statements skips updates
  that followed them, and cannot undo updates that preceded them);
- the other statements name no counter of the group, call no method of the
  owner and do not pass ``self`` anywhere, so nothing under the lock reads a
  counter together with the other state.

Blocks left with nothing but counter updates lose their ``with``; the lock
itself stays for the rest.

Several counters drained in one block (``n, self.f = self.f, 0`` for each)
become one ``swap()`` per field when no lock block updates two of them: then
nothing relates the fields, and each counted event lands in exactly one drain.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import libcst as cst

from lockless.codemod.blocks import SWAPS_KEY, classify_block
from lockless.codemod.operations import (
    BlockContext,
    Conditional,
    Operation,
    Refusal,
    Update,
    state_references,
)
from lockless.codemod.references import FieldKey, code_of

_GUARDS = "guards:"
_WORK = "work"


@dataclass(frozen=True)
class KeptBlock:
    """A lock block that stays for other state; its counter updates move out."""

    kept: tuple[cst.BaseStatement, ...]
    """Statements that stay under the lock, in order."""

    moved: tuple[cst.SimpleStatementLine, ...]
    """Counter updates that move out of the block, in order (maybe none)."""

    before: bool
    """Whether the moved updates go before the ``with`` (else after it)."""


def lift_unrelated_swaps(
    refusals: list[Refusal], blocks: Sequence[Sequence[Operation]]
) -> list[Refusal]:
    """``refusals`` without drains of fields that no block updates together."""
    return [
        r
        for r in refusals
        if not r.key.startswith(SWAPS_KEY) or _updated_together(r, blocks)
    ]


def _updated_together(refusal: Refusal, blocks: Sequence[Sequence[Operation]]) -> bool:
    swapped = set(refusal.key[len(SWAPS_KEY) :].split(" and "))
    for operations in blocks:
        updated = {_text(u.key) for u in _updates(operations)}
        if len(updated & swapped) > 1:
            return True
    return False


def _updates(operations: Sequence[Operation]) -> list[Update]:
    """Every update in ``operations``, inside conditionals too."""
    found: list[Update] = []
    for op in operations:
        if isinstance(op, Update):
            found.append(op)
        elif isinstance(op, Conditional):
            found.extend(_updates([*op.body, *op.orelse]))
    return found


def _text(key: FieldKey) -> str:
    return f"self.{key[0]}.{key[1]}" if key[0] else f"self.{key[1]}"


def is_partial_only(refusals: Sequence[Refusal]) -> bool:
    """Whether every refusal says only that the lock guards other state too."""
    return bool(refusals) and all(
        r.key.startswith(_GUARDS) or r.key == _WORK for r in refusals
    )


def split_block(
    statement: cst.With,
    statements: Sequence[cst.BaseStatement],
    context: BlockContext,
    methods: Collection[str],
) -> KeptBlock | Refusal:
    """The parts of a lock block, or why its counters cannot leave the lock."""
    line = context.line_of(statement)
    is_counter = [_is_counter(s, context) for s in statements]
    kept = tuple(s for s, counter in zip(statements, is_counter) if not counter)
    moved = tuple(
        s
        for s, counter in zip(statements, is_counter)
        if counter and isinstance(s, cst.SimpleStatementLine)
    )
    for other in kept:
        reason = _ties_to_counters(other, context, methods)
        if reason is not None:
            other_line = context.line_of(other)
            return Refusal(other_line, f"{reason} (line {other_line})", "tied")
    count = len(moved)
    if not count:
        return KeptBlock(kept, moved, before=False)
    if is_counter[:count] == [True] * count:
        return KeptBlock(kept, moved, before=True)
    if is_counter[-count:] == [True] * count:
        return KeptBlock(kept, moved, before=False)
    what = "counter updates are mixed with other statements under the lock"
    return Refusal(line, f"{what} (line {line})", "interleaved")


def _is_counter(statement: cst.BaseStatement, context: BlockContext) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    result = classify_block([statement], context)
    return (
        not result.refusals
        and len(result.operations) == 1
        and isinstance(result.operations[0], Update)
    )


def _ties_to_counters(
    statement: cst.BaseStatement, context: BlockContext, methods: Collection[str]
) -> str | None:
    """Why ``statement`` could see a counter together with other state, if it can."""
    references = state_references(statement, context)
    for reference in references:
        if reference.key in context.fields:
            return f"`{code_of(statement).splitlines()[0]}` reads {reference.text}"
        if reference.key is not None and reference.key[1] in methods:
            return f"{reference.text}() is called under {context.lock}"
        if reference.kind != "field":
            return f"{reference.text} is used under {context.lock}"
    selfs = _count_self(statement)
    if selfs > len(references):
        return f"self is passed on under {context.lock}"
    return None


def _count_self(node: cst.CSTNode) -> int:
    count = 0

    class _Selfs(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            nonlocal count
            count += name.value == "self"

    node.visit(_Selfs())
    return count


def kept_texts(blocks: Sequence[KeptBlock], fields: Sequence[FieldKey]) -> list[str]:
    """What the lock still guards, as ``self.<name>`` texts, in source order."""
    names: list[str] = []
    for block in blocks:
        for statement in block.kept:
            context = BlockContext("", "", fields, (), _no_line)
            for reference in state_references(statement, context):
                names.append(reference.text.split("(")[0])
    return list(dict.fromkeys(names))


def _no_line(node: cst.CSTNode) -> int:
    return 0
