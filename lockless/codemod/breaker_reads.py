"""How the expressions of a breaker owner read its metrics, state and opened-at time.

``ReadRewriter`` turns each read into a call on the generated atomic class:
``self._state`` becomes ``self._metrics.state()``, a copy of the metrics becomes
``self._metrics.snapshot()``, a counter read right after the update that
produced it becomes the value that update returned. Any other read of a
counter, or any use of the lock outside ``with``, is a decision lockless cannot
move off the lock, so it raises ``ShapeError`` with the line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange

from lockless.codemod.breaker_shape import ShapeError

_COPY_FUNCTIONS = frozenset({"copy", "deepcopy", "replace"})


@dataclass(frozen=True)
class Attributes:
    """The owner's attribute names the breaker rule rewrites."""

    lock: str
    metrics: str
    state: str
    opened_at: str | None


def is_self_attribute(node: cst.CSTNode, name: str | None) -> bool:
    """Whether ``node`` is ``self.<name>``."""
    return (
        name is not None
        and isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
        and node.attr.value == name
    )


def metric_field(node: cst.CSTNode, metrics: str) -> str | None:
    """``f`` when ``node`` is ``self.<metrics>.f``."""
    if isinstance(node, cst.Attribute) and is_self_attribute(node.value, metrics):
        return node.attr.value
    return None


def is_metrics_copy(node: cst.CSTNode, metrics: str) -> bool:
    """``copy.copy(m)``, ``replace(m)`` or ``Stats(**asdict(m))``; m is the metrics."""
    if not isinstance(node, cst.Call) or len(node.args) != 1:
        return False
    argument = node.args[0]
    if argument.star == "**":
        inner = argument.value
        return (
            isinstance(inner, cst.Call)
            and _callee_name(inner.func) == "asdict"
            and len(inner.args) == 1
            and is_self_attribute(inner.args[0].value, metrics)
        )
    return (
        argument.star == ""
        and argument.keyword is None
        and _callee_name(node.func) in _COPY_FUNCTIONS
        and is_self_attribute(argument.value, metrics)
    )


def _callee_name(func: cst.BaseExpression) -> str | None:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def method_call(attribute: str, method: str, *args: cst.BaseExpression) -> cst.Call:
    """``self.<attribute>.<method>(*args)``."""
    target = cst.Attribute(cst.Name("self"), cst.Name(attribute))
    return cst.Call(cst.Attribute(target, cst.Name(method)), [cst.Arg(a) for a in args])


class ReadRewriter(cst.CSTTransformer):
    """Rewrites the reads in one expression; see the module docstring."""

    def __init__(
        self,
        attributes: Attributes,
        positions: Mapping[cst.CSTNode, CodeRange],
        *,
        counters: Mapping[str, cst.BaseExpression],
        opened_at: cst.BaseExpression | None,
    ) -> None:
        super().__init__()
        self._names = attributes
        self._positions = positions
        self._counters = counters
        self._opened_at = opened_at
        self.replaced: list[cst.Call] = []
        """Calls removed from the code (copies of the metrics)."""

    def _refuse(self, node: cst.CSTNode, reason: str) -> ShapeError:
        return ShapeError(self._positions[node].start.line, reason)

    def visit_Call(self, node: cst.Call) -> bool:
        return not is_metrics_copy(node, self._names.metrics)

    def leave_Call(
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.BaseExpression:
        if is_metrics_copy(original_node, self._names.metrics):
            self.replaced.append(original_node)
            inner = original_node.args[0].value
            if isinstance(inner, cst.Call):  # Stats(**asdict(m))
                self.replaced.append(inner)
            return method_call(self._names.metrics, "snapshot")
        return updated_node

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return metric_field(node, self._names.metrics) is None

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        names = self._names
        field = metric_field(original_node, names.metrics)
        if field is not None:
            return self._counter(original_node, field)
        if is_self_attribute(original_node, names.state):
            return method_call(names.metrics, "state")
        if is_self_attribute(original_node, names.opened_at):
            if self._opened_at is None:
                raise self._refuse(original_node, _OPENED_AT_READ)
            return self._opened_at
        if is_self_attribute(original_node, names.metrics):
            raise self._refuse(original_node, f"self.{names.metrics} {_ESCAPES}")
        if is_self_attribute(original_node, names.lock):
            raise self._refuse(original_node, f"self.{names.lock} {_LOCK_USE}")
        return updated_node

    def _counter(self, node: cst.Attribute, field: str) -> cst.BaseExpression:
        value = self._counters.get(field)
        if value is None:
            where = f"self.{self._names.metrics}.{field}"
            raise self._refuse(node, f"a decision reads {where} {_DECISION}")
        return value


_OPENED_AT_READ = (
    "the opened-at time is read where lockless cannot read it once into a local"
)
_ESCAPES = (
    "is used other than by updating its counters or copying it, "
    "so code outside the breaker may depend on it"
)
_LOCK_USE = "is used other than by `with`, so it cannot be removed"
_DECISION = (
    "away from the update that changed it; an atomic read there could see "
    "other threads' updates"
)
