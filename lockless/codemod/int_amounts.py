"""Whether the amount added to an integer counter is known to be an int.

``AtomicCounter.add`` takes ints only, so ``self.total += elapsed`` on a field
that starts as ``0`` can be rewritten only when ``elapsed`` cannot be a float.
An amount is known to be an int when it is an int literal, ``len(...)``, a
parameter annotated ``int`` (or with an int default and no annotation), a
local whose every assignment in the method is an int literal, ``len(...)`` or
``+=``/``-=`` of an int literal, or ``+ - *`` and unary minus of those.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence

import libcst as cst

from lockless.codemod.analysis import Group
from lockless.codemod.operations import Conditional, Operation, Refusal, Update
from lockless.codemod.references import FieldKey, code_of, field_text


def int_amount_refusals(
    group: Group,
    int_fields: Collection[FieldKey],
    line_of: Callable[[cst.CSTNode], int],
) -> list[Refusal]:
    """One refusal per addition to an int field whose amount may not be an int."""
    refusals: list[Refusal] = []
    for block in group.blocks:
        method = group.scan.methods.get(block.method)
        names = int_names(method) if method is not None else set()
        operations = group.results[block.statement].operations
        for update in _additions(operations):
            if update.key not in int_fields or is_int(update.value, names):
                continue
            line = line_of(update.statement)
            text = field_text(update.key)
            amount = code_of(update.value)
            refusals.append(
                Refusal(
                    line,
                    f"the amount `{amount}` added to {text} may not be an int "
                    f"(line {line})",
                    f"amount:{text}",
                )
            )
    return refusals


def _additions(operations: Sequence[Operation]) -> Iterator[Update]:
    for op in operations:
        if isinstance(op, Update) and not op.store:
            yield op
        elif isinstance(op, Conditional):
            yield from _additions([*op.body, *op.orelse])


def is_int(value: cst.BaseExpression, names: Collection[str]) -> bool:
    """Whether ``value`` is built only from int literals, ``len()`` and ``names``."""
    if isinstance(value, cst.Integer):
        return True
    if isinstance(value, cst.Name):
        return value.value in names
    if isinstance(value, cst.Call):
        return _is_len(value)
    if isinstance(value, cst.UnaryOperation):
        return isinstance(value.operator, (cst.Minus, cst.Plus)) and is_int(
            value.expression, names
        )
    if isinstance(value, cst.BinaryOperation):
        return (
            isinstance(value.operator, (cst.Add, cst.Subtract, cst.Multiply))
            and is_int(value.left, names)
            and is_int(value.right, names)
        )
    return False


def _is_len(call: cst.Call) -> bool:
    return (
        isinstance(call.func, cst.Name)
        and call.func.value == "len"
        and len(call.args) == 1
        and not call.args[0].star
        and call.args[0].keyword is None
    )


def int_names(method: cst.FunctionDef) -> set[str]:
    """Parameters and locals of ``method`` that only ever hold ints."""
    bindings = _Bindings()
    method.body.visit(bindings)
    names = {name for name in bindings.int_only if name not in bindings.other}
    parameters = method.params
    every = [
        *parameters.posonly_params,
        *parameters.params,
        *parameters.kwonly_params,
    ]
    for param in every:
        name = param.name.value
        names.discard(name)
        if _is_int_parameter(param) and name not in bindings.other:
            names.add(name)
    for star in (parameters.star_arg, parameters.star_kwarg):
        if isinstance(star, cst.Param):
            names.discard(star.name.value)
    return names


def _is_int_parameter(param: cst.Param) -> bool:
    if param.annotation is not None:
        return code_of(param.annotation.annotation) == "int"
    return isinstance(param.default, cst.Integer)


class _Bindings(cst.CSTVisitor):
    """Every name bound in a body, split into int-only bindings and the rest."""

    def __init__(self) -> None:
        super().__init__()
        self.int_only: set[str] = set()
        self.other: set[str] = set()

    def _bind(self, target: cst.BaseExpression, value_is_int: bool) -> None:
        if isinstance(target, cst.Name):
            (self.int_only if value_is_int else self.other).add(target.value)
            return
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, False)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, False)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, _is_int_value(node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        value_is_int = node.value is not None and _is_int_value(node.value)
        self._bind(node.target, value_is_int)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        counted = isinstance(
            node.operator, (cst.AddAssign, cst.SubtractAssign)
        ) and isinstance(node.value, cst.Integer)
        self._bind(node.target, counted)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, False)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, False)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, False)

    def visit_AsName(self, node: cst.AsName) -> None:
        if isinstance(node.name, (cst.Name, cst.Tuple, cst.List)):
            self._bind(node.name, False)

    def visit_Global(self, node: cst.Global) -> None:
        self.other.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.other.update(item.name.value for item in node.names)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind(node.target, False)


def _is_int_value(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Integer):
        return True
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        return isinstance(value.expression, cst.Integer)
    return isinstance(value, cst.Call) and _is_len(value)
