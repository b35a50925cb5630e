"""What a stats type looks like: its fields, defaults, and copy or reset methods.

A stats type defined in the module is read from its source: the annotated
fields of a ``@dataclass``, or the ``self.<field> = <parameter>`` lines of a
plain class's ``__init__``. A stats type imported from elsewhere is unknown
here; the analysis then infers its fields from how the owner uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import libcst as cst

from lockless.codemod.references import code_of, self_attribute

QualifiedNames = Callable[[cst.CSTNode], Collection[str]]


@dataclass(frozen=True)
class StatsField:
    name: str
    annotation: str | None
    default: str | None


@dataclass
class StatsClass:
    """One stats type defined in the module."""

    name: str
    fields: dict[str, StatsField] = field(default_factory=dict)
    keyword_constructible: bool = False
    """``Type(field=value, ...)`` builds an instance (dataclass, matching __init__)."""
    resetters: dict[str, list[str]] = field(default_factory=dict)
    """Methods that assign two or more fields, with those fields."""
    copiers: set[str] = field(default_factory=set)
    """Methods that only return a copy of the instance."""


def find_stats_classes(
    module: cst.Module, qualified_names: QualifiedNames
) -> dict[str, StatsClass]:
    """Every top-level class of ``module`` described as a possible stats type."""
    found: dict[str, StatsClass] = {}
    for statement in module.body:
        if isinstance(statement, cst.ClassDef):
            found[statement.name.value] = _describe(statement, qualified_names)
    return found


def _describe(class_def: cst.ClassDef, qualified_names: QualifiedNames) -> StatsClass:
    stats = StatsClass(class_def.name.value)
    if _is_dataclass(class_def, qualified_names):
        stats.keyword_constructible = True
        for statement in _body(class_def):
            for small in _small_statements(statement):
                if isinstance(small, cst.AnnAssign) and isinstance(
                    small.target, cst.Name
                ):
                    name = small.target.value
                    default = code_of(small.value) if small.value else None
                    annotation = code_of(small.annotation.annotation)
                    stats.fields[name] = StatsField(name, annotation, default)
    for statement in _body(class_def):
        if isinstance(statement, cst.FunctionDef):
            _describe_method(stats, statement)
    return stats


def _describe_method(stats: StatsClass, method: cst.FunctionDef) -> None:
    assigned = _assigned_fields(method)
    if method.name.value == "__init__" and not stats.keyword_constructible:
        _read_plain_init(stats, method)
    elif len(assigned) > 1:
        stats.resetters[method.name.value] = assigned
    elif _only_copies(stats.name, method):
        stats.copiers.add(method.name.value)


def _read_plain_init(stats: StatsClass, init: cst.FunctionDef) -> None:
    defaults = {
        p.name.value: code_of(p.default) if p.default else None
        for p in init.params.params[1:]
    }
    matching = True
    for statement in _function_body(init):
        for small in _small_statements(statement):
            if isinstance(small, cst.Expr) and isinstance(
                small.value, cst.SimpleString
            ):
                continue
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                matching = False
                continue
            name = self_attribute(small.targets[0].target)
            if name is None:
                matching = False
                continue
            value = small.value
            if isinstance(value, cst.Name) and value.value == name:
                stats.fields[name] = StatsField(name, None, defaults.get(name))
            else:
                stats.fields[name] = StatsField(name, None, code_of(value))
                matching = False
    stats.keyword_constructible = matching and set(stats.fields) == set(defaults)


def _assigned_fields(method: cst.FunctionDef) -> list[str]:
    assigned: list[str] = []
    for statement in _function_body(method):
        for small in _small_statements(statement):
            if isinstance(small, (cst.Assign, cst.AugAssign)):
                targets = (
                    [t.target for t in small.targets]
                    if isinstance(small, cst.Assign)
                    else [small.target]
                )
                for target in targets:
                    name = self_attribute(target)
                    if name is not None and name not in assigned:
                        assigned.append(name)
    return assigned


def _only_copies(class_name: str, method: cst.FunctionDef) -> bool:
    """``return Stats(self.a, self.b)`` or ``return copy.copy(self)``, nothing else.

    A docstring before the ``return`` is allowed.
    """
    body = _function_body(method)
    if len(body) == 2 and _is_docstring(body[0]):
        body = body[1:]
    if len(body) != 1:
        return False
    smalls = _small_statements(body[0])
    if len(smalls) != 1 or not isinstance(smalls[0], cst.Return):
        return False
    value = smalls[0].value
    if not isinstance(value, cst.Call):
        return False
    func = code_of(value.func)
    if func in ("copy.copy", "copy", "dataclasses.replace", "replace"):
        return len(value.args) == 1 and code_of(value.args[0].value) == "self"
    return func == class_name and all(
        self_attribute(arg.value) is not None for arg in value.args
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    smalls = _small_statements(statement)
    return (
        len(smalls) == 1
        and isinstance(smalls[0], cst.Expr)
        and isinstance(smalls[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_dataclass(class_def: cst.ClassDef, qualified_names: QualifiedNames) -> bool:
    for decorator in class_def.decorators:
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        if "dataclasses.dataclass" in qualified_names(target):
            return True
    return False


def _body(class_def: cst.ClassDef) -> list[cst.BaseStatement]:
    body = class_def.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _function_body(function: cst.FunctionDef) -> list[cst.BaseStatement]:
    body = function.body
    return list(body.body) if isinstance(body, cst.IndentedBlock) else []


def _small_statements(statement: cst.BaseStatement) -> list[cst.BaseSmallStatement]:
    if isinstance(statement, cst.SimpleStatementLine):
        return list(statement.body)
    return []
