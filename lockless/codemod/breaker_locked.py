"""What may stay under a breaker's lock: only breaker code, no other work.

The lock is removed, so every statement it guarded must be breaker metrics,
state or time. Another write, another call or a loop under the lock refuses
the breaker; so does the user's own function running under it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from lockless.codemod.breaker_reads import (
    is_metrics_copy,
    is_self_attribute,
    metric_field,
)
from lockless.codemod.breaker_shape import ShapeError
from lockless.codemod.breaker_syntax import (
    NodeFinder,
    calls_in,
    code,
    count_self_reads,
    targets,
)

if TYPE_CHECKING:
    from lockless.codemod.breaker_body import BodyRewriter


def check_simple(rw: BodyRewriter, statement: cst.SimpleStatementLine) -> None:
    names = rw.names
    fields = (names.state, names.opened_at, names.metrics, names.lock)
    for small in statement.body:
        finder = NodeFinder(cst.Attribute)
        for target in targets(small):
            target.visit(finder)
        for node in finder.found:
            if metric_field(node, names.metrics) or any(
                is_self_attribute(node, name) for name in fields
            ):
                raise ShapeError(rw.line(small), _ODD_WRITE)


def check_locked(rw: BodyRewriter, statement: cst.BaseStatement) -> None:
    """Under the lock only breaker code may run: no other writes or calls."""
    line = rw.line(statement)
    if not isinstance(statement, (cst.SimpleStatementLine, cst.If, cst.With)):
        first = code(statement).strip().splitlines()[0]
        raise ShapeError(line, f"the lock also guards `{first}`{_NOT_METRICS}")
    header: cst.CSTNode = statement
    if isinstance(statement, cst.If):
        header = statement.test
    elif isinstance(statement, cst.With):
        header = cst.Tuple([cst.Element(i.item) for i in statement.items])
    for call in calls_in(header):
        _check_locked_call(rw, call)
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            for target in targets(small):
                if not isinstance(target, cst.Name) and not metric_field(
                    target, rw.names.metrics
                ):
                    what = code(target)
                    raise ShapeError(
                        line, f"the lock also guards `{what}`{_NOT_METRICS}"
                    )


def _check_locked_call(rw: BodyRewriter, call: cst.Call) -> None:
    func = call.func
    line = rw.line(call)
    if isinstance(func, cst.Name) and func.value in rw.parameters:
        raise ShapeError(line, guarded_call(code(call)))
    if isinstance(func, cst.Name) and func.value in _PURE_BUILTINS:
        return
    if (
        isinstance(func, cst.Attribute)
        and isinstance(func.value, cst.Name)
        and func.value.value == "self"
        and func.attr.value in rw.transitions
    ):
        return
    if is_metrics_copy(call, rw.names.metrics) or _is_metrics_asdict(call, rw):
        return
    raise ShapeError(
        line, f"the lock also guards the call `{code(call)}`{_NOT_METRICS}"
    )


def check_untouched(rw: BodyRewriter, statement: cst.BaseStatement) -> None:
    names = rw.names
    for name in (names.state, names.opened_at, names.metrics, names.lock):
        if count_self_reads(statement, name, header_only=False):
            raise ShapeError(rw.line(statement), _NESTED_SCOPE)


def _is_metrics_asdict(call: cst.Call, rw: BodyRewriter) -> bool:
    """``asdict(self.<metrics>)``, the inner call of ``Stats(**asdict(...))``."""
    return (
        isinstance(call.func, (cst.Name, cst.Attribute))
        and code(call.func).split(".")[-1] == "asdict"
        and len(call.args) == 1
        and is_self_attribute(call.args[0].value, rw.names.metrics)
    )


def guarded_call(code: str) -> str:
    """The reason given when the user's own function runs under the lock."""
    return (
        f"the lock is held around the guarded call `{code}`, so calls through the "
        "breaker never overlap; without the lock they would, which changes what "
        "the breaker counts and decides"
    )


_NOT_METRICS = ", which is not breaker metrics, so the lock cannot go"
_ODD_WRITE = "the breaker's fields are written in a form lockless does not rewrite"
_PURE_BUILTINS = frozenset(
    {"len", "min", "max", "abs", "int", "float", "bool", "round"}
)
_NESTED_SCOPE = "a nested function or class uses the breaker's fields"
