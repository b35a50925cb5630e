"""What an assignment under the lock does: an update, a swap, a live value, a reset.

``classify_assignment`` and ``augmented_update`` recognise the statements
that change a field; what they cannot accept they refuse with a reason.
"""

from __future__ import annotations

import libcst as cst

from lockless.codemod.fields import is_number
from lockless.codemod.operations import (
    BlockContext,
    BlockResult,
    LiveAssign,
    Operation,
    Refusal,
    Swap,
    Update,
    state_references,
)
from lockless.codemod.references import (
    FieldKey,
    code_of,
    field_key,
    field_text,
    self_attribute,
)


def refuse_runtime_keys(line: int, result: BlockResult) -> None:
    result.refusals.append(
        Refusal(
            line,
            f"counts are kept under runtime keys, not fixed fields (line {line})",
            "runtime-keys",
        )
    )


def augmented_update(small: cst.AugAssign, context: BlockContext) -> Update | None:
    key = field_key(small.target, context.stats_attrs)
    if key not in context.fields or key is None:
        return None
    if not isinstance(small.operator, (cst.AddAssign, cst.SubtractAssign)):
        return None
    if state_references(small.value, context):
        return None
    negate = isinstance(small.operator, cst.SubtractAssign)
    return Update(key, False, small.value, negate, small)


def classify_assignment(
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
            refuse_runtime_keys(line, result)
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
