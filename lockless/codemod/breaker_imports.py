"""Imports after a breaker rewrite: add the runtime's, drop what nothing uses.

Imports are scheduled through libcst's ``AddImportsVisitor`` and
``RemoveImportsVisitor``, never edited by hand; the latter keeps an import
that anything else in the module still uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

MAX_LINE = 88
"""Longer runtime imports are wrapped, one name a line, as ruff format would."""


def add_runtime_imports(
    module: cst.Module, runtime_module: str, aliases: Mapping[str, str]
) -> cst.Module:
    """Import each runtime name (``name`` or ``name as alias``) from the runtime."""
    context = CodemodContext()
    for name, alias in aliases.items():
        AddImportsVisitor.add_needed_import(
            context, runtime_module, name, alias if alias != name else None
        )
    before = len(module.body)
    module = AddImportsVisitor(context).transform_module(module)
    if len(module.body) > before:
        module = _separate_runtime_import(module, runtime_module)
    return module


def remove_unused_imports(
    module: cst.Module, callees: Iterable[cst.BaseExpression]
) -> cst.Module:
    """Drop the imports that the removed calls of ``callees`` used, if now unused."""
    context = CodemodContext()
    imported = _imported_names(module)
    for callee in callees:
        head = callee
        while isinstance(head, cst.Attribute):
            head = head.value
        if isinstance(head, cst.Name) and head.value in imported:
            source, name, alias = imported[head.value]
            RemoveImportsVisitor.remove_unused_import(context, source, name, alias)
    pruned = RemoveImportsVisitor(context).transform_module(module)
    return _keep_group_breaks(module, pruned)


def _keep_group_breaks(before: cst.Module, after: cst.Module) -> cst.Module:
    """Give a removed import's blank lines to the statement that now follows."""
    survivors = list(after.body)
    body: list[cst.BaseStatement] = []
    carried: Sequence[cst.EmptyLine] = ()
    index = 0
    for statement in before.body:
        if index < len(survivors) and _same_statement(statement, survivors[index]):
            kept = survivors[index]
            if carried and not kept.leading_lines:
                kept = kept.with_changes(leading_lines=carried)
            body.append(kept)
            carried = ()
            index += 1
        elif statement.leading_lines and not carried:
            carried = statement.leading_lines
    body.extend(survivors[index:])
    return after.with_changes(body=body)


def _same_statement(old: cst.BaseStatement, new: cst.BaseStatement) -> bool:
    """``new`` is ``old``, perhaps with some imported names taken out."""
    if old.deep_equals(new):
        return True
    if not (
        isinstance(old, cst.SimpleStatementLine)
        and isinstance(new, cst.SimpleStatementLine)
    ):
        return False
    first_old, first_new = old.body[0], new.body[0]
    if isinstance(first_old, cst.ImportFrom) and isinstance(first_new, cst.ImportFrom):
        old_module, new_module = first_old.module, first_new.module
        return (
            old_module is not None
            and new_module is not None
            and old_module.deep_equals(new_module)
        )
    return False


def _imported_names(
    module: cst.Module,
) -> dict[str, tuple[str, str | None, str | None]]:
    """Each name bound by a top-level import: ``(module, object, alias)``."""
    found: dict[str, tuple[str, str | None, str | None]] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    dotted = _code(alias.name)
                    bound = alias.evaluated_alias or dotted.split(".")[0]
                    found[bound] = (dotted, None, alias.evaluated_alias)
            elif (
                isinstance(small, cst.ImportFrom)
                and small.module is not None
                and not small.relative
                and not isinstance(small.names, cst.ImportStar)
            ):
                for alias in small.names:
                    name = _code(alias.name)
                    bound = alias.evaluated_alias or name
                    found[bound] = (_code(small.module), name, alias.evaluated_alias)
    return found


def _separate_runtime_import(module: cst.Module, runtime_module: str) -> cst.Module:
    """Start a new import group for the runtime, as isort would."""
    # TODO: the group goes after the last import; a module whose third-party
    # group comes later in the alphabet than the runtime may need isort.
    body = list(module.body)
    for index, statement in enumerate(body[1:], start=1):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        small = statement.body[0]
        if not isinstance(small, cst.ImportFrom) or small.module is None:
            continue
        if _code(small.module) != runtime_module:
            continue
        statement = _wrapped(statement, module)
        if _is_import(body[index - 1]) and not statement.leading_lines:
            statement = statement.with_changes(leading_lines=[cst.EmptyLine()])
        body[index] = statement
        break
    return module.with_changes(body=body)


def _wrapped(
    statement: cst.SimpleStatementLine, module: cst.Module
) -> cst.SimpleStatementLine:
    """The import one name a line in parentheses when it is too long for a line."""
    text = module.code_for_node(statement).strip()
    small = statement.body[0]
    if len(text) <= MAX_LINE or not isinstance(small, cst.ImportFrom):
        return statement
    if isinstance(small.names, cst.ImportStar) or small.module is None:
        return statement
    indent = module.default_indent
    names = "".join(
        f"{indent}{_code(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))},\n"
        for alias in small.names
    )
    wrapped = f"from {_code(small.module)} import (\n{names})\n"
    parsed = cst.parse_statement(wrapped, config=module.config_for_parsing)
    assert isinstance(parsed, cst.SimpleStatementLine)
    return parsed.with_changes(leading_lines=statement.leading_lines)


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(
        statement.body[0], (cst.Import, cst.ImportFrom)
    )


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)
