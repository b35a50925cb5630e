"""One pass over a class: where each lock is taken, and where state is read and written.

``scan_class`` records, for every method, the ``with <lock>:`` blocks, the
writes and reads of ``self.<field>`` and ``self.<stats>.<field>`` together
with the locks held lexically at that point, every other use of a lock
attribute, and ``self.<method>()`` calls made while a lock is held.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import libcst as cst

from lockless.codemod.references import FieldKey, field_key, self_attribute

LineOf = Callable[[cst.CSTNode], int]


@dataclass(frozen=True)
class LockBlock:
    lock: str
    statement: cst.With
    method: str
    outer: tuple[str, ...]
    """Locks already held around this block."""
    items: int
    """How many context managers the ``with`` statement enters."""


@dataclass(frozen=True)
class Access:
    """A read or write of a field, or a use of a lock or stats object."""

    name: str
    node: cst.CSTNode
    method: str
    held: tuple[str, ...]
    line: int
    key: FieldKey | None = None
    statement: cst.BaseSmallStatement | None = None


@dataclass
class ClassScan:
    blocks: list[LockBlock] = field(default_factory=list)
    writes: list[Access] = field(default_factory=list)
    reads: list[Access] = field(default_factory=list)
    lock_uses: list[Access] = field(default_factory=list)
    stats_uses: list[Access] = field(default_factory=list)
    self_calls: list[Access] = field(default_factory=list)
    class_defaults: dict[str, cst.BaseSmallStatement] = field(default_factory=dict)
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)


def scan_class(
    class_def: cst.ClassDef,
    locks: Collection[str],
    stats_attrs: Collection[str],
    line_of: LineOf,
) -> ClassScan:
    scanner = _Scanner(locks, stats_attrs, line_of)
    class_def.body.visit(scanner)
    return scanner.scan


class _Scanner(cst.CSTVisitor):
    def __init__(
        self, locks: Collection[str], stats_attrs: Collection[str], line_of: LineOf
    ) -> None:
        super().__init__()
        self.locks = locks
        self.stats_attrs = stats_attrs
        self.line_of = line_of
        self.scan = ClassScan()
        self._functions: list[str] = []
        self._held: list[str] = []
        self._with_items: set[cst.CSTNode] = set()
        self._targets: set[cst.CSTNode] = set()
        self._statement: cst.BaseSmallStatement | None = None
        self._entered: dict[cst.CSTNode, int] = {}

    @property
    def _method(self) -> str:
        return self._functions[0] if self._functions else ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._functions:
            self.scan.methods[node.name.value] = node
        self._functions.append(node.name.value)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False  # nested classes are not part of this owner

    def visit_With(self, node: cst.With) -> None:
        entered: list[str] = []
        for item in node.items:
            name = self_attribute(item.item)
            if name in self.locks and name is not None:
                self._with_items.add(item.item)
                entered.append(name)
        for name in entered:
            self.scan.blocks.append(
                LockBlock(name, node, self._method, tuple(self._held), len(node.items))
            )
        self._held.extend(entered)
        self._entered[node] = len(entered)

    def leave_With(self, original_node: cst.With) -> None:
        for _ in range(self._entered.pop(original_node, 0)):
            self._held.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        self._statement = node
        if not self._functions:
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.scan.class_defaults[target.target.value] = node
            return
        for target in node.targets:
            self._write_targets(target.target, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._statement = node
        if not self._functions:
            if isinstance(node.target, cst.Name):
                self.scan.class_defaults[node.target.value] = node
            return
        self._write_targets(node.target, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._statement = node
        if self._functions:
            self._write_targets(node.target, node)

    def visit_Del(self, node: cst.Del) -> None:
        self._statement = node
        if self._functions:
            self._write_targets(node.target, node)

    def visit_Return(self, node: cst.Return) -> None:
        self._statement = node

    def visit_Expr(self, node: cst.Expr) -> None:
        self._statement = node

    def _write_targets(
        self, target: cst.BaseExpression, statement: cst.BaseSmallStatement
    ) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._write_targets(element.value, statement)
            return
        key = field_key(target, self.stats_attrs)
        name = self_attribute(target)
        if key is None and name is not None and name in self.stats_attrs:
            key = ("", name)  # the stats object itself is (re)assigned
        if key is None:
            return
        self._targets.add(target)
        self.scan.writes.append(self._access(key[1], target, key, statement))

    def _access(
        self,
        name: str,
        node: cst.CSTNode,
        key: FieldKey | None = None,
        statement: cst.BaseSmallStatement | None = None,
    ) -> Access:
        return Access(
            name,
            node,
            self._method,
            tuple(self._held),
            self.line_of(node),
            key,
            statement or self._statement,
        )

    def visit_Call(self, node: cst.Call) -> None:
        callee = self_attribute(node.func)
        if callee is not None and self._held:
            self.scan.self_calls.append(self._access(callee, node))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = self_attribute(node)
        if name is not None and name in self.locks:
            if node not in self._with_items and node not in self._targets:
                self.scan.lock_uses.append(self._access(name, node))
            return False
        if name is not None and name in self.stats_attrs:
            if node not in self._targets:
                self.scan.stats_uses.append(self._access(name, node))
            return False
        key = field_key(node, self.stats_attrs)
        if key is None:
            return True
        if node not in self._targets:
            self.scan.reads.append(self._access(key[1], node, key))
        return False
