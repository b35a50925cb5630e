"""Keep the layout around imports tidy after libcst adds and removes them.

``RemoveImportsVisitor`` drops an unused import together with the blank
lines and comments above it, and ``AddImportsVisitor`` puts a new import
right after the last one. These passes give the lines back and set the
runtime import apart from standard-library imports, as isort would.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import libcst as cst

from lockless.codemod.references import code_of


def _stdlib_module_names() -> frozenset[str]:
    """Top-level standard-library module names of the running Python.

    Python 3.10 and later list them in ``sys.stdlib_module_names``; on 3.9
    they are read off the standard library's folder (no module is imported).
    """
    listed = getattr(sys, "stdlib_module_names", None)
    if listed is not None:
        return frozenset(listed)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    names = set(sys.builtin_module_names)
    for folder in (stdlib, stdlib / "lib-dynload"):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.name.endswith((".py", ".so", ".pyd")):
                names.add(entry.name.split(".")[0])
            elif entry.is_dir() and (entry / "__init__.py").exists():
                names.add(entry.name)
    return frozenset(names)


_STDLIB_NAMES = _stdlib_module_names()


def keep_removed_leading_lines(before: cst.Module, after: cst.Module) -> cst.Module:
    """Move the leading lines of removed top-level statements to their successors."""
    kept = {_bare_code(s) for s in after.body}
    body = list(after.body)
    for index, statement in enumerate(before.body):
        lines = statement.leading_lines
        if not lines or _bare_code(statement) in kept or index >= len(body):
            continue
        if _imported_module(statement) is None:
            continue  # only imports are removed; a changed class keeps its lines
        successor = body[index]
        if _bare_code(successor) == _bare_code(statement) or successor.leading_lines:
            continue
        body[index] = successor.with_changes(leading_lines=lines)
    return after.with_changes(body=body)


def separate_runtime_import(module: cst.Module, runtime: str) -> cst.Module:
    """Put a blank line between standard-library imports and the runtime import."""
    body = list(module.body)
    for index, statement in enumerate(body):
        if index == 0 or _imported_module(statement) != runtime:
            continue
        previous = _imported_module(body[index - 1])
        if previous is None or statement.leading_lines:
            return module
        if previous.split(".")[0] in _STDLIB_NAMES or previous == "__future__":
            blank = cst.EmptyLine(indent=False)
            body[index] = statement.with_changes(leading_lines=[blank])
            return module.with_changes(body=body)
    return module


def _imported_module(statement: cst.BaseStatement) -> str | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and small.module is not None:
        return code_of(small.module)
    if isinstance(small, cst.Import):
        return code_of(small.names[0].name)
    return None


def _bare_code(statement: cst.BaseStatement) -> str:
    return code_of(statement.with_changes(leading_lines=()))
