"""Render generated code from the jinja2 templates and parse it for the target module.

Templates emit four-space indentation and ``\\n`` line endings. Before parsing,
``parse_statements`` converts both to the target module's own style, so a
tab-indented or CRLF file stays consistent after a rewrite.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import jinja2
import libcst as cst

from lockless.codemod.naming import storage_name
from lockless.codemod.plan import GeneratedClass, Parameter

LINE_LENGTH = 88
_TEMPLATE_INDENT = "    "


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("lockless", "templates"),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_atomic_class(cls: GeneratedClass) -> str:
    """The source of ``cls`` at module level, four-space indented."""
    template = _environment().get_template("atomic_stats.py.j2")
    return template.render(
        cls=cls,
        docstring=_docstring(cls),
        storage=storage_name,
        signature=_signature,
    )


def _docstring(cls: GeneratedClass) -> str:
    candidates = (
        f"{cls.stats_type} counters as atomics; replaces {cls.lock} of {cls.owner}.",
        f"{cls.stats_type} counters of {cls.owner} as atomics, replacing a lock.",
        f"{cls.stats_type} counters as atomics, replacing a lock.",
    )
    for text in candidates:
        if len(text) + 10 <= LINE_LENGTH:
            return text
    return candidates[-1]


def _signature(
    name: str,
    parameters: Sequence[Parameter],
    returns: str,
    *,
    keyword_only: bool = False,
) -> str:
    """A method's ``def`` line, split one parameter a line when it is too long."""
    parts = ["self"]
    if keyword_only and parameters:
        parts.append("*")
    parts.extend(f"{p.name}: {p.annotation}" for p in parameters)
    line = f"def {name}({', '.join(parts)}) -> {returns}:"
    if len(line) + len(_TEMPLATE_INDENT) <= LINE_LENGTH:
        return line
    inner = "".join(f"\n{_TEMPLATE_INDENT * 2}{part}," for part in parts)
    return f"def {name}({inner}\n{_TEMPLATE_INDENT}) -> {returns}:"


def parse_statements(code: str, module: cst.Module) -> list[cst.BaseStatement]:
    """Parse ``code`` (four-space indented, ``\\n`` endings) in ``module``'s style."""
    converted = _restyle(code, module)
    parsed = cst.parse_module(converted, config=module.config_for_parsing)
    return list(parsed.body)


def parse_expression(code: str, module: cst.Module) -> cst.BaseExpression:
    return cst.parse_expression(code, config=module.config_for_parsing)


def parse_small_statement(code: str, module: cst.Module) -> cst.BaseSmallStatement:
    statement = cst.parse_statement(code, config=module.config_for_parsing)
    assert isinstance(statement, cst.SimpleStatementLine)
    return statement.body[0]


def parse_class_body(code: str, module: cst.Module) -> list[cst.BaseStatement]:
    """Parse ``code`` written at class-body level (methods, properties)."""
    indented = "".join(
        _TEMPLATE_INDENT + line if line.strip() else line
        for line in code.splitlines(keepends=True)
    )
    wrapper = parse_statements("class _Body:\n" + indented, module)[0]
    assert isinstance(wrapper, cst.ClassDef)
    assert isinstance(wrapper.body, cst.IndentedBlock)
    return list(wrapper.body.body)


def _restyle(code: str, module: cst.Module) -> str:
    lines = []
    for line in code.splitlines():
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // len(_TEMPLATE_INDENT)
        rest = (len(line) - len(stripped)) % len(_TEMPLATE_INDENT)
        lines.append(module.default_indent * depth + " " * rest + stripped)
    return module.default_newline.join(lines) + module.default_newline
