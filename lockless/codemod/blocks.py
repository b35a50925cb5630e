"""What the statements inside one ``with <lock>:`` block do.

``classify_block`` turns the body of a lock block into a list of recognised
operations (``Update``, ``Conditional``, ``ReturnField``, ``ReturnValue``,
``LiveAssign``, ``ReturnCopy``) or into refusals, one per statement that is
not a statistics update. It decides nothing about the owner as a whole; that
is ``analysis``'s job.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from lockless.codemod.assignments import (
    augmented_update,
    classify_assignment,
    refuse_runtime_keys,
)
from lockless.codemod.kept_statements import kept_or_reset, relocking_call
from lockless.codemod.operations import (
    BlockContext,
    BlockResult,
    Conditional,
    Operation,
    Refusal,
    Swap,
    Update,
    state_references,
    updates_of,
    updates_per_path,
)
from lockless.codemod.readers import classify_return, refuse_read_after_update
from lockless.codemod.references import (
    code_of,
    field_text,
    first_line_of,
    self_attribute,
)

SWAPS_KEY = "swaps:"
"""Refusal key prefix: several fields drained by swaps in one block."""


def classify_block(
    statements: Sequence[cst.BaseStatement], context: BlockContext
) -> BlockResult:
    """Recognise each statement of a lock block, or say why it is not a stats update."""
    result = BlockResult()
    for statement in statements:
        _classify_statement(statement, context, result, conditional_ok=True)
    _merge_read_resets(result, context)
    _refuse_repeated_updates(result, context)
    return result


def _refuse_repeated_updates(result: BlockResult, context: BlockContext) -> None:
    """Two updates of one field in one block would expose the state between them."""
    for key, count in updates_per_path(result.operations).items():
        if count < 2:
            continue
        statements = [u.statement for u in updates_of(key, result.operations)]
        statements += [
            op.statement
            for op in result.operations
            if isinstance(op, Swap) and op.key == key
        ]
        line = min(context.line_of(statement) for statement in statements)
        text = field_text(key)
        result.refusals.append(
            Refusal(
                line,
                f"{text} is updated twice in one lock block (line {line})",
                f"twice:{text}",
            )
        )


def _merge_read_resets(result: BlockResult, context: BlockContext) -> None:
    """Several single-field read-and-resets in one block reset fields together."""
    resets = [r for r in result.refusals if r.key.startswith("reads and resets:")]
    swaps = [op for op in result.operations if isinstance(op, Swap)]
    if len(resets) + len(swaps) < 2:
        return
    texts = [field_text(op.key) for op in swaps]
    texts += [r.key.split(":", 1)[1] for r in resets]
    names = " and ".join(texts)
    line = min(
        [r.line for r in resets] + [context.line_of(op.statement) for op in swaps]
    )
    # Only swaps: a drain, which ``partial`` allows when nothing relates the fields.
    key = f"{SWAPS_KEY}{names}" if not resets else f"reads and resets:{names}"
    merged = Refusal(
        line,
        f"{context.method}() reads and resets {names} together (line {line})",
        key,
    )
    result.refusals = [merged] + [r for r in result.refusals if r not in resets]


def _classify_statement(
    statement: cst.BaseStatement,
    context: BlockContext,
    result: BlockResult,
    *,
    conditional_ok: bool,
) -> None:
    line = context.line_of(statement)
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            _classify_small(small, line, context, result)
        return
    if isinstance(statement, cst.If) and conditional_ok:
        conditional = _classify_if(statement, context, result)
        if conditional is not None:
            result.operations.append(conditional)
        return
    if isinstance(statement, cst.With) and all(
        self_attribute(item.item) is not None for item in statement.items
    ):
        inner = [code_of(item.item) for item in statement.items]
        result.refusals.append(
            Refusal(
                line,
                f"{', '.join(inner)} is taken while holding {context.lock} "
                f"(line {line})",
                f"nested:{','.join(inner)}",
            )
        )
        return
    _refuse_other(statement, line, context, result)


def _classify_if(
    statement: cst.If, context: BlockContext, result: BlockResult
) -> Conditional | None:
    line = context.line_of(statement)
    refused = _refuse_test(statement.test, line, context, result)
    branches: list[tuple[Update | Conditional, ...]] = []
    for suite in (statement.body, statement.orelse):
        inner = BlockResult()
        for child in _suite_statements(suite):
            _classify_statement(child, context, inner, conditional_ok=True)
        result.refusals.extend(inner.refusals)
        updates = [
            op for op in inner.operations if isinstance(op, (Update, Conditional))
        ]
        if len(updates) != len(inner.operations):
            for op in inner.operations:
                if not isinstance(op, (Update, Conditional)):
                    _refuse_other(
                        op.statement, context.line_of(op.statement), context, result
                    )
        branches.append(tuple(updates))
    if refused or result.refusals:
        return None
    return Conditional(statement.test, branches[0], branches[1], statement)


def _suite_statements(
    suite: cst.BaseSuite | cst.If | cst.Else | None,
) -> list[cst.BaseStatement]:
    if suite is None:
        return []
    if isinstance(suite, cst.If):
        return [suite]
    if isinstance(suite, cst.Else):
        return _suite_statements(suite.body)
    if isinstance(suite, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=suite.body)]
    assert isinstance(suite, cst.IndentedBlock)
    return list(suite.body)


def _refuse_test(
    test: cst.BaseExpression, line: int, context: BlockContext, result: BlockResult
) -> bool:
    """Refuse a condition that reads state; a test on locals becomes a parameter."""
    references = state_references(test, context)
    references.sort(key=lambda r: r.key not in context.fields)
    for reference in references:
        key = reference.key
        if (
            key is not None
            and key in context.fields
            and _is_none_check(test, reference.node)
        ):
            text = field_text(key)
            result.refusals.append(
                Refusal(
                    line,
                    f"{text} uses None to mean nothing was recorded (line {line})",
                    f"sentinel:{text}",
                )
            )
            return True
        if reference.kind != "await":
            result.refusals.append(
                Refusal(
                    line,
                    f"a decision reads {reference.text} under the lock (line {line})",
                    f"decision:{reference.text}",
                )
            )
            return True
    return False


def _is_none_check(test: cst.BaseExpression, node: cst.CSTNode) -> bool:
    if not isinstance(test, cst.Comparison) or test.left is not node:
        return False
    return any(
        isinstance(target.operator, (cst.Is, cst.IsNot))
        and isinstance(target.comparator, cst.Name)
        and target.comparator.value == "None"
        for target in test.comparisons
    )


def _classify_small(
    small: cst.BaseSmallStatement,
    line: int,
    context: BlockContext,
    result: BlockResult,
) -> None:
    if isinstance(small, cst.Pass):
        return
    refused_before = len(result.refusals)
    operation: Operation | None = None
    if isinstance(small, cst.AugAssign):
        operation = augmented_update(small, context)
        if operation is None and isinstance(small.target, cst.Subscript):
            refuse_runtime_keys(line, result)
    elif isinstance(small, cst.Assign):
        operation = kept_or_reset(small, context) or classify_assignment(
            small, line, context, result
        )
    elif isinstance(small, cst.Return) and small.value is not None:
        if refuse_read_after_update(small, line, context, result):
            return
        operation = classify_return(small, line, context, result)
    elif isinstance(small, cst.Expr):
        operation = relocking_call(small, context)
        if operation is None:
            _refuse_stats_method(small, line, context, result)
    if operation is not None:
        result.operations.append(operation)
    elif len(result.refusals) == refused_before:
        _refuse_other(small, line, context, result)


def _refuse_stats_method(
    small: cst.Expr, line: int, context: BlockContext, result: BlockResult
) -> None:
    call = small.value
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return
    owner = self_attribute(call.func.value)
    method = call.func.attr.value
    if owner not in context.stats_attrs or method not in context.resetters:
        return
    names = " and ".join(f"self.{owner}.{f}" for f in context.resetters[method])
    result.refusals.append(
        Refusal(
            line,
            f"{context.method}() resets {names} together (line {line})",
            f"resets:{names}",
        )
    )


def _refuse_other(
    node: cst.CSTNode, line: int, context: BlockContext, result: BlockResult
) -> None:
    """The lock guards something that is not a statistics update."""
    for reference in state_references(node, context):
        if reference.kind == "await":
            result.refusals.append(
                Refusal(
                    line,
                    f"awaits while holding {context.lock} (line {line})",
                    "await",
                )
            )
            return
        if reference.kind == "stats":
            result.refusals.append(
                Refusal(
                    line,
                    f"{reference.text} escapes the class (line {line})",
                    f"escapes:{reference.text}",
                )
            )
            return
        if reference.key not in context.fields:
            # ``partial`` may still move the counters out and keep the lock.
            text = reference.text.split("(")[0]
            result.refusals.append(
                Refusal(
                    line,
                    f"the lock also guards {text} (line {line})",
                    f"guards:{text}",
                )
            )
            return
    text = first_line_of(node)
    # Reported once per lock: the first such statement says enough.
    key = "work"
    result.refusals.append(
        Refusal(
            line,
            f"the lock also guards other work: `{text}` (line {line})",
            key,
        )
    )
