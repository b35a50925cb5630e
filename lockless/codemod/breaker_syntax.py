"""Small questions about libcst statements that the breaker rule asks.

Which targets a statement assigns, whether it only returns or raises, how
often it reads an attribute and whether a read happens on every evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst

from lockless.codemod.breaker_reads import is_self_attribute, metric_field
from lockless.codemod.breaker_shape import clock_of

CONTROL_FLOW = (cst.Return, cst.Raise, cst.Pass, cst.Break, cst.Continue)


def names_only(
    pending: Mapping[str, cst.BaseExpression],
) -> dict[str, cst.BaseExpression]:
    return {k: v for k, v in pending.items() if isinstance(v, cst.Name)}


def targets(small: cst.BaseSmallStatement) -> list[cst.BaseExpression]:
    if isinstance(small, cst.Assign):
        return [t.target for t in small.targets]
    if isinstance(small, (cst.AugAssign, cst.AnnAssign)):
        return [small.target]
    if isinstance(small, cst.Del):
        return [small.target]
    return []


def single_target(small: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        return small.targets[0].target
    if isinstance(small, (cst.AugAssign, cst.AnnAssign)):
        return small.target
    return None


def assigned_value(small: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    if isinstance(small, (cst.Assign, cst.AnnAssign)):
        return small.value
    return None


def is_zero(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Integer) and value.value == "0"


def is_none(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def is_control_flow(statement: cst.CSTNode | None) -> bool:
    """``return``/``raise``/``pass``..., or an ``if`` that only guards with them."""
    if statement is None:
        return True
    if isinstance(statement, cst.SimpleStatementLine):
        return all(isinstance(s, CONTROL_FLOW) for s in statement.body)
    if isinstance(statement, cst.IndentedBlock):
        return all(is_control_flow(s) for s in statement.body)
    if isinstance(statement, cst.Else):
        return is_control_flow(statement.body)
    if isinstance(statement, cst.If):
        return is_control_flow(statement.body) and is_control_flow(statement.orelse)
    return False


def is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString)
    )


def body_of(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    assert isinstance(suite, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=[small]) for small in suite.body]


def line_like(
    original: cst.BaseStatement | None, small: cst.BaseSmallStatement
) -> cst.SimpleStatementLine:
    """A new one-statement line that keeps ``original``'s comments above it."""
    leading = getattr(original, "leading_lines", ())
    return cst.SimpleStatementLine(body=[small], leading_lines=leading)


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


class NodeFinder(cst.CSTVisitor):
    """Collects the nodes of the wanted classes, in source order."""

    def __init__(
        self, wanted: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]
    ) -> None:
        super().__init__()
        self.wanted = wanted
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.wanted):
            self.found.append(node)
        return True


def calls_in(statement: cst.CSTNode) -> list[cst.Call]:
    finder = NodeFinder(cst.Call)
    statement.visit(finder)
    return [c for c in finder.found if isinstance(c, cst.Call) and clock_of(c) is None]


def count_self_reads(
    statement: cst.BaseStatement, name: str | None, *, header_only: bool
) -> int:
    """How often ``self.<name>`` appears in ``statement`` (its header only if asked)."""
    if name is None:
        return 0
    nodes: list[cst.CSTNode] = [statement]
    if header_only and not isinstance(statement, cst.SimpleStatementLine):
        nodes = [statement.test] if isinstance(statement, cst.If) else []
    finder = NodeFinder(cst.Attribute)
    for node in nodes:
        node.visit(finder)
    return sum(1 for a in finder.found if is_self_attribute(a, name))


def count_reads(
    statement: cst.BaseStatement, metrics: str, field_name: str | None
) -> tuple[int, int]:
    """Reads of ``self.<metrics>.<field>``: ``(unconditional in the header, all)``."""
    if field_name is None:
        return 0, 0
    finder = NodeFinder(cst.Attribute)
    statement.visit(finder)
    total = sum(1 for a in finder.found if metric_field(a, metrics) == field_name)
    header: cst.CSTNode | None = None
    if isinstance(statement, cst.If):
        header = statement.test
    elif isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        header = statement.body[0]
    counts = [0, 0]
    if header is not None:
        walk_reads(header, metrics, field_name, False, counts)
    return counts[0], total


def walk_reads(
    node: cst.CSTNode,
    metrics: str,
    field_name: str,
    conditional: bool,
    counts: list[int],
) -> None:
    """Count reads, splitting those every evaluation makes from the conditional ones."""
    if metric_field(node, metrics) == field_name:
        counts[1 if conditional else 0] += 1
        return
    if isinstance(node, cst.BooleanOperation):
        walk_reads(node.left, metrics, field_name, conditional, counts)
        walk_reads(node.right, metrics, field_name, True, counts)
        return
    if isinstance(node, cst.Comparison):
        walk_reads(node.left, metrics, field_name, conditional, counts)
        for index, target in enumerate(node.comparisons):
            walk_reads(
                target.comparator, metrics, field_name, conditional or index > 0, counts
            )
        return
    lazy = (
        cst.IfExp,
        cst.Lambda,
        cst.ListComp,
        cst.SetComp,
        cst.DictComp,
        cst.GeneratorExp,
    )
    for child in node.children:
        walk_reads(
            child, metrics, field_name, conditional or isinstance(node, lazy), counts
        )
