"""Facts about a whole module that the analysis of one class depends on.

Which names the module binds at top level, which classes subclass which,
which attribute names are read or assigned on objects other than ``self``
(so a counter that outside code touches is not silently changed), and how
the lock factories were imported (so an import left unused can be removed).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection

import libcst as cst

from lockless.codemod.analysis import ModuleFacts
from lockless.codemod.references import code_of
from lockless.codemod.stats_classes import find_stats_classes

LOCK_MODULES = ("threading", "asyncio")


def gather_module_facts(
    module: cst.Module,
    line_of: Callable[[cst.CSTNode], int],
    qualified_names: Callable[[cst.CSTNode], Collection[str]],
    column_of: Callable[[cst.CSTNode], int],
) -> ModuleFacts:
    collector = _Collector(line_of)
    module.visit(collector)
    return ModuleFacts(
        module=module,
        line_of=line_of,
        stats_classes=find_stats_classes(module, qualified_names),
        subclasses=collector.subclasses,
        outside_writes=collector.outside_writes,
        outside_reads=collector.outside_reads,
        module_names=_module_names(module) | set(dir(builtins)),
        column_of=column_of,
    )


class _Collector(cst.CSTVisitor):
    def __init__(self, line_of: Callable[[cst.CSTNode], int]) -> None:
        super().__init__()
        self.line_of = line_of
        self.subclasses: dict[str, list[cst.ClassDef]] = {}
        self.outside_writes: dict[str, list[int]] = {}
        self.outside_reads: dict[str, list[int]] = {}
        self._targets: set[cst.CSTNode] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if isinstance(base.value, cst.Name):
                self.subclasses.setdefault(base.value.value, []).append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._write(target.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._write(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._write(node.target)

    def _write(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._write(element.value)
        elif isinstance(target, cst.Attribute) and not _is_self(target.value):
            self._targets.add(target)
            line = self.line_of(target)
            self.outside_writes.setdefault(target.attr.value, []).append(line)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not _is_self(node.value) and node not in self._targets:
            line = self.line_of(node)
            self.outside_reads.setdefault(node.attr.value, []).append(line)


def _is_self(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "self"


def _module_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                names.update(_bound_names(small))
    return names


def _bound_names(small: cst.BaseSmallStatement) -> set[str]:
    if isinstance(small, cst.Import):
        return {_alias_name(alias) for alias in small.names}
    if isinstance(small, cst.ImportFrom) and not isinstance(
        small.names, cst.ImportStar
    ):
        return {_alias_name(alias) for alias in small.names}
    if isinstance(small, cst.Assign):
        return {t.target.value for t in small.targets if isinstance(t.target, cst.Name)}
    return set()


def _alias_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return code_of(alias.name).split(".")[0]


def lock_imports(module: cst.Module) -> list[tuple[str, str | None, str | None]]:
    """``(module, name, alias)`` of every top-level import of a lock module."""
    found: list[tuple[str, str | None, str | None]] = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = code_of(alias.name)
                    if name in LOCK_MODULES:
                        found.append((name, None, _asname(alias)))
            elif isinstance(small, cst.ImportFrom) and small.module is not None:
                source = code_of(small.module)
                if source in LOCK_MODULES and not isinstance(
                    small.names, cst.ImportStar
                ):
                    for alias in small.names:
                        obj = code_of(alias.name)
                        found.append((source, obj, _asname(alias)))
    return found


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None
