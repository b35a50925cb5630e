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

from lockless.codemod.fields import is_number
from lockless.codemod.operations import (
    BlockContext,
    BlockResult,
    Conditional,
    LiveAssign,
    Operation,
    Refusal,
    Swap,
    Update,
    state_references,
    updates_of,
    updates_per_path,
)
from lockless.codemod.readers import classify_return
from lockless.codemod.references import (
    FieldKey,
    code_of,
    field_key,
    field_text,
    first_line_of,
    self_attribute,
)


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
    merged = Refusal(
        line,
        f"{context.method}() reads and resets {names} together (line {line})",
        f"reads and resets:{names}",
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
        operation = _augmented_update(small, context)
        if operation is None and isinstance(small.target, cst.Subscript):
            _refuse_runtime_keys(line, result)
    elif isinstance(small, cst.Assign):
        operation = _assignment(small, line, context, result)
    elif isinstance(small, cst.Return) and small.value is not None:
        operation = classify_return(small, line, context, result)
    elif isinstance(small, cst.Expr):
        _refuse_stats_method(small, line, context, result)
    if operation is not None:
        result.operations.append(operation)
    elif len(result.refusals) == refused_before:
        _refuse_other(small, line, context, result)


def _refuse_runtime_keys(line: int, result: BlockResult) -> None:
    result.refusals.append(
        Refusal(
            line,
            f"counts are kept under runtime keys, not fixed fields (line {line})",
            "runtime-keys",
        )
    )


def _augmented_update(small: cst.AugAssign, context: BlockContext) -> Update | None:
    key = field_key(small.target, context.stats_attrs)
    if key not in context.fields or key is None:
        return None
    if not isinstance(small.operator, (cst.AddAssign, cst.SubtractAssign)):
        return None
    if state_references(small.value, context):
        return None
    negate = isinstance(small.operator, cst.SubtractAssign)
    return Update(key, False, small.value, negate, small)


def _assignment(
    small: cst.Assign, line: int, context: BlockContext, result: BlockResult
) -> Operation | None:
    replaced = [
        t.target
        for t in small.targets
        if self_attribute(t.target) in context.stats_attrs
    ]
    if replaced:
        text = code_of(replaced[0])
        result.refusals.append(
            Refusal(
                line,
                f"{context.method}() replaces the whole stats object {text} "
                f"(line {line})",
                f"replaces:{text}",
            )
        )
        return None
    keys = [field_key(t.target, context.stats_attrs) for t in small.targets]
    written = [k for k in keys if k is not None and k in context.fields]
    tuple_fields = _tuple_target_fields(small, context)
    swap = _single_swap(small, tuple_fields, context)
    if swap is not None:
        return swap
    if len(written) > 1 or tuple_fields:
        _refuse_reset_together(written or tuple_fields, small, line, context, result)
        return None
    if len(keys) != 1 or keys[0] is None or keys[0] not in context.fields:
        if any(isinstance(t.target, cst.Subscript) for t in small.targets) and (
            isinstance(small.value, cst.BinaryOperation)
        ):
            _refuse_runtime_keys(line, result)
        return None
    key = keys[0]
    increment = _self_increment(key, small.value, context)
    if increment is not None:
        amount, negate = increment
        return Update(key, False, amount, negate, small)
    references = state_references(small.value, context)
    if isinstance(small.value, cst.Name) and small.value.value == "None":
        return None
    if not references:
        return Update(key, True, small.value, False, small)
    if key[0] and not any(r.key in context.fields for r in references):
        return LiveAssign(key, small.value, small)
    sources = [r.text for r in references if r.key in context.fields and r.key != key]
    if sources:
        names = " and ".join(dict.fromkeys(sources))
        text = field_text(key)
        result.refusals.append(
            Refusal(
                line,
                f"{text} is derived from {names} under the lock (line {line})",
                f"derived:{text}",
            )
        )
    return None


def _self_increment(
    key: FieldKey, value: cst.BaseExpression, context: BlockContext
) -> tuple[cst.BaseExpression, bool] | None:
    """``(amount, negate)`` for ``f + amount``, ``amount + f`` and ``f - amount``."""
    if not isinstance(value, cst.BinaryOperation):
        return None
    left = field_key(value.left, context.stats_attrs)
    right = field_key(value.right, context.stats_attrs)
    if isinstance(value.operator, cst.Add):
        if left == key and not state_references(value.right, context):
            return value.right, False
        if right == key and not state_references(value.left, context):
            return value.left, False
    if (
        isinstance(value.operator, cst.Subtract)
        and left == key
        and not state_references(value.right, context)
    ):
        return value.right, True
    return None


def _single_swap(
    small: cst.Assign, keys: list[FieldKey], context: BlockContext
) -> Swap | None:
    """``old, self.f = self.f, new`` with ``new`` a number literal."""
    target = small.targets[0].target
    value = small.value
    if len(small.targets) != 1 or len(keys) != 1:
        return None
    if not isinstance(target, cst.Tuple) or not isinstance(value, cst.Tuple):
        return None
    if len(target.elements) != 2 or len(value.elements) != 2:
        return None
    (first, second), (old, new) = (
        [e.value for e in target.elements],
        [e.value for e in value.elements],
    )
    if field_key(first, context.stats_attrs) == keys[0]:
        first, second, old, new = second, first, new, old
    if (
        isinstance(first, cst.Name)
        and field_key(second, context.stats_attrs) == keys[0]
        and field_key(old, context.stats_attrs) == keys[0]
        and is_number(new, ())
    ):
        return Swap(keys[0], first.value, new, small)
    return None


def _tuple_target_fields(small: cst.Assign, context: BlockContext) -> list[FieldKey]:
    found: list[FieldKey] = []
    for target in small.targets:
        if isinstance(target.target, (cst.Tuple, cst.List)):
            for element in target.target.elements:
                key = field_key(element.value, context.stats_attrs)
                if key is not None:
                    found.append(key)
    return found


def _refuse_reset_together(
    keys: list[FieldKey],
    small: cst.Assign,
    line: int,
    context: BlockContext,
    result: BlockResult,
) -> None:
    names = " and ".join(field_text(k) for k in keys)
    if isinstance(small.targets[0].target, (cst.Tuple, cst.List)):
        # One field reset to a number literal is a Swap; this is the rest.
        verb = "reads and resets"
    else:
        verb = "resets"
    together = " together" if len(keys) > 1 else " in one step"
    result.refusals.append(
        Refusal(
            line,
            f"{context.method}() {verb} {names}{together} (line {line})",
            f"{verb}:{names}",
        )
    )


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
            # TODO: when no decision reads the counters, they could move to
            # atomics while the lock stays for this other state (a partial
            # rewrite); not done yet because the analysis does not prove that
            # the other state and the counters carry no promise together.
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
