"""How an expression refers to an owner's state: fields, other attributes, awaits.

A field is named by a ``FieldKey``: ``("", "hits")`` for ``self.hits`` and
``("_stats", "hits")`` for ``self._stats.hits`` when ``_stats`` holds a stats
object.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import libcst as cst

FieldKey = tuple[str, str]

_EMPTY_MODULE = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """The source text of ``node`` (its first line for compound statements)."""
    return _EMPTY_MODULE.code_for_node(node).strip()


def first_line_of(node: cst.CSTNode) -> str:
    return code_of(node).splitlines()[0].rstrip(":").strip()


def field_text(key: FieldKey) -> str:
    """``self.hits`` or ``self._stats.hits``."""
    owner, name = key
    return f"self.{owner}.{name}" if owner else f"self.{name}"


def self_attribute(node: cst.BaseExpression) -> str | None:
    """``x`` for the expression ``self.x``."""
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    ):
        return node.attr.value
    return None


def field_key(
    node: cst.BaseExpression, stats_attrs: Collection[str]
) -> FieldKey | None:
    """The field ``node`` names: ``self.f`` or ``self.<stats>.f``."""
    if not isinstance(node, cst.Attribute):
        return None
    outer = self_attribute(node.value)
    if outer is not None and outer in stats_attrs:
        return (outer, node.attr.value)
    name = self_attribute(node)
    if name is not None and name not in stats_attrs:
        return ("", name)
    return None


@dataclass(frozen=True)
class Reference:
    """One mention of state inside an expression or statement."""

    kind: str
    """``field``, ``stats`` (the stats object itself), ``method`` (a call of a
    stats-object method), ``attribute`` (any other ``name.attr``) or ``await``."""

    text: str
    node: cst.CSTNode
    key: FieldKey | None = None


class _ReferenceCollector(cst.CSTVisitor):
    def __init__(self, stats_attrs: Collection[str]) -> None:
        super().__init__()
        self.stats_attrs = stats_attrs
        self.found: list[Reference] = []

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if isinstance(func, cst.Attribute):
            owner = self_attribute(func.value)
            if owner is not None and owner in self.stats_attrs:
                self.found.append(Reference("method", code_of(func), node))
                for arg in node.args:
                    arg.visit(self)
                return False
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        key = field_key(node, self.stats_attrs)
        if key is not None:
            self.found.append(Reference("field", field_text(key), node, key))
            return False
        name = self_attribute(node)
        if name is not None:
            self.found.append(Reference("stats", code_of(node), node))
            return False
        if isinstance(node.value, cst.Name):
            self.found.append(Reference("attribute", code_of(node), node))
            return False
        return True

    def visit_Await(self, node: cst.Await) -> None:
        self.found.append(Reference("await", "await", node))


def references_in(node: cst.CSTNode, stats_attrs: Collection[str]) -> list[Reference]:
    """Every mention of state in ``node``, in source order."""
    collector = _ReferenceCollector(stats_attrs)
    node.visit(collector)
    return collector.found


def mentions_self(node: cst.CSTNode) -> bool:
    """Whether ``node`` uses the name ``self`` anywhere."""
    return any(isinstance(n, cst.Name) and n.value == "self" for n in _names_in(node))


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    names: list[cst.Name] = []

    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.append(name)

    node.visit(_Names())
    return names
