"""Whether the owner reads or writes its own attributes by name.

After the rewrite a counter lives in an atomic under another attribute, so
``vars(self)``, ``self.__dict__``, ``getattr(self, name)``,
``setattr(self, ...)``, ``dataclasses.asdict(self)`` and even
``getattr(self, "<counter>")`` would see the atomics instead of the numbers
they saw before.
"""

from __future__ import annotations

import libcst as cst

from lockless.codemod.groups import Group, ModuleFacts
from lockless.codemod.operations import Refusal
from lockless.codemod.references import code_of

_BY_NAME_CALLS = frozenset(
    {
        "vars",
        "setattr",
        "delattr",
        "asdict",
        "astuple",
        "dataclasses.asdict",
        "dataclasses.astuple",
    }
)
"""Calls that reach every attribute, or any attribute, of their first argument."""


def check_introspection(group: Group, facts: ModuleFacts) -> None:
    """Refuse an owner that reaches its attributes by name anywhere in the class."""
    owner = group.owner.name.value
    names = {key[0] or key[1] for key in group.fields}
    for node in _by_name_uses(group.owner, names):
        line = facts.line_of(node)
        group.refusals.append(
            Refusal(
                line,
                f"{owner} reads its attributes by name ({code_of(node)}) (line {line})",
                "introspects",
            )
        )


def _by_name_uses(class_def: cst.ClassDef, fields: set[str]) -> list[cst.CSTNode]:
    """Uses of ``self`` by name; ``getattr`` with a literal only for a field."""
    found: list[cst.CSTNode] = []

    class _ByName(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if not node.args or not _is_self(node.args[0].value):
                return
            func = code_of(node.func)
            name = _literal_name(node)
            by_name = func == "getattr" and (name is None or name in fields)
            if by_name or func in _BY_NAME_CALLS:
                found.append(node)

        def visit_Attribute(self, node: cst.Attribute) -> None:
            if _is_self(node.value) and node.attr.value == "__dict__":
                found.append(node)

    class_def.body.visit(_ByName())
    return found


def _is_self(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "self"


def _literal_name(call: cst.Call) -> str | None:
    """``name`` in ``getattr(self, "name")``; None when the name is computed."""
    if len(call.args) < 2:
        return None
    value = call.args[1].value
    if not isinstance(value, cst.SimpleString):
        return None
    name = value.evaluated_value
    return name if isinstance(name, str) else None
