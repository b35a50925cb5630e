"""Small rules about call arguments in generated code.

Which expressions are safe to evaluate early, how to negate an amount, and
how to split an argument list to put one argument a line.
"""

from __future__ import annotations

import libcst as cst


def cannot_fail(value: cst.BaseExpression) -> bool:
    """Names, literals, and comparisons or negations of them."""
    if isinstance(value, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Not):
        return cannot_fail(value.expression)
    if isinstance(value, cst.Comparison):
        return cannot_fail(value.left) and all(
            cannot_fail(c.comparator) for c in value.comparisons
        )
    if isinstance(value, cst.BooleanOperation):
        return cannot_fail(value.left) and cannot_fail(value.right)
    return False


def split_arguments(arguments: str) -> list[str]:
    """Top-level comma-separated parts of an argument list."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in arguments:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def signed(amount: str, negate: bool) -> str:
    if not negate:
        return amount
    return f"-{amount}" if amount.isidentifier() or amount.isdigit() else f"-({amount})"
