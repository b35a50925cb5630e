"""What a ``return`` inside a lock block reads: a counter, a copy, or a combination.

A reader that returns a copy of the stats object, or counters one at a time,
can be rewritten; one that combines two counters with an operator depends on
them agreeing, so it is refused.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst

from lockless.codemod.operations import (
    BlockContext,
    BlockResult,
    Conditional,
    Operation,
    Refusal,
    ReturnCopy,
    ReturnField,
    ReturnValue,
    Swap,
    Update,
    state_references,
)
from lockless.codemod.references import FieldKey, field_key, field_text, self_attribute

COPY_FUNCTIONS = frozenset({"copy", "deepcopy", "replace"})
"""Calls that copy a stats object: ``copy.copy(s)``, ``dataclasses.replace(s)``."""


def classify_return(
    small: cst.Return, line: int, context: BlockContext, result: BlockResult
) -> Operation | None:
    assert small.value is not None
    key = field_key(small.value, context.stats_attrs)
    if key is not None and key in context.fields:
        return ReturnField(key, small)
    copied = _copied_stats(small.value, context)
    if copied is not None:
        return ReturnCopy(copied[0], copied[1], small)
    references = state_references(small.value, context)
    read = [r for r in references if r.key in context.fields]
    if _combines_fields(small.value, context):
        names = " and ".join(dict.fromkeys(r.text for r in read))
        result.refusals.append(
            Refusal(
                line,
                f"{names} are combined under the lock (line {line})",
                f"combined:{names}",
            )
        )
        return None
    if (
        read
        and all(r.kind in ("field", "attribute") for r in references)
        and not any(r.key is not None and r.key[0] for r in read)
    ):
        return ReturnValue(small)
    return None


def _copied_stats(
    value: cst.BaseExpression, context: BlockContext
) -> tuple[str, tuple[tuple[str, cst.BaseExpression], ...]] | None:
    """The stats attribute ``value`` copies, with live keyword overrides."""
    if not isinstance(value, cst.Call):
        return None
    func = value.func
    if isinstance(func, cst.Attribute):
        owner = self_attribute(func.value)
        if (
            owner is not None
            and owner in context.stats_attrs
            and func.attr.value in context.copiers
        ):
            return (owner, ()) if not value.args else None
        name = func.attr.value
    elif isinstance(func, cst.Name):
        name = func.value
    else:
        return None
    if name not in COPY_FUNCTIONS or not value.args:
        return None
    owner = self_attribute(value.args[0].value)
    if owner is None or owner not in context.stats_attrs or value.args[0].keyword:
        return None
    live: list[tuple[str, cst.BaseExpression]] = []
    for arg in value.args[1:]:
        if arg.keyword is None or name != "replace":
            return None
        live.append((arg.keyword.value, arg.value))
    return owner, tuple(live)


def _combines_fields(value: cst.BaseExpression, context: BlockContext) -> bool:
    """Whether an operator in ``value`` takes two different counter fields."""
    for node in _operators_in(value):
        keys = {r.key for r in state_references(node, context)}
        if len(keys & set(context.fields)) > 1:
            return True
    return False


def _operators_in(value: cst.BaseExpression) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class _Operators(cst.CSTVisitor):
        def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
            found.append(node)

        def visit_Comparison(self, node: cst.Comparison) -> None:
            found.append(node)

        def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
            found.append(node)

    value.visit(_Operators())
    return found


def refuse_read_after_update(
    small: cst.Return, line: int, context: BlockContext, result: BlockResult
) -> bool:
    """Refuse a return that reads a counter the block updated, unless add-and-get.

    ``self.f += n`` right before ``return self.f`` becomes one ``add_and_get``.
    Any other read of an updated counter would run after the update as a
    separate load, and another thread's update could land in between.
    """
    assert small.value is not None
    updated = {k for op in result.operations for k in _written_keys(op)}
    read = _updated_reads(small.value, updated, context)
    if not read or _is_add_and_get(result.operations, small.value, context):
        return False
    text = field_text(read[0])
    result.refusals.append(
        Refusal(
            line,
            f"a result reads {text} under the lock after updating it (line {line})",
            f"result:{text}",
        )
    )
    return True


def _updated_reads(
    value: cst.BaseExpression, updated: Collection[FieldKey], context: BlockContext
) -> list[FieldKey]:
    copied = _copied_stats(value, context)
    if copied is not None:
        return sorted(k for k in updated if k[0] == copied[0])
    references = state_references(value, context)
    keys = [r.key for r in references if r.key is not None and r.key in updated]
    return list(dict.fromkeys(keys))


def _is_add_and_get(
    operations: list[Operation], value: cst.BaseExpression, context: BlockContext
) -> bool:
    previous = operations[-1] if operations else None
    return (
        isinstance(previous, Update)
        and not previous.store
        and previous.key == field_key(value, context.stats_attrs)
    )


def _written_keys(op: Operation) -> list[FieldKey]:
    if isinstance(op, (Update, Swap)):
        return [op.key]
    if isinstance(op, Conditional):
        return [k for inner in (*op.body, *op.orelse) for k in _written_keys(inner)]
    return []
