"""Renders the ``Atomic<Metrics>`` class of one breaker from its jinja2 template."""

from __future__ import annotations

from collections.abc import Mapping, Set

import jinja2
import libcst as cst

from lockless.codemod.breaker_owner import Parts
from lockless.codemod.breaker_shape import ShapeError

RUNTIME_NAMES = ("AtomicCircuitBreakerMetrics", "AtomicBreakerState", "BreakerState")
"""What generated breaker code imports from the runtime."""

TEMPLATE = "breaker_metrics.py.j2"

_SNAPSHOT_SOURCES = {
    "total_calls": "counts.total_calls",
    "success_count": "counts.successes",
    "failure_count": "counts.failures",
    "consecutive_failures": "counts.consecutive_failures",
    "half_open_calls": "counts.half_open_calls",
}
_NS_PER_SECOND = "1_000_000_000"

_environment = jinja2.Environment(
    loader=jinja2.PackageLoader("lockless", "templates"),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,
)


def generated_name(parts: Parts) -> str:
    """The name of the class generated for ``parts``: ``Atomic<Metrics>``."""
    return f"Atomic{parts.metrics_class.name.value}"


def runtime_aliases(module: cst.Module) -> dict[str, str]:
    """The name generated code uses for each runtime import; renamed on a clash."""
    taken = {
        statement.name.value
        for statement in module.body
        if isinstance(statement, (cst.ClassDef, cst.FunctionDef))
    }
    taken.update(f"Atomic{name}" for name in set(taken))
    return {n: (f"Runtime{n}" if n in taken else n) for n in RUNTIME_NAMES}


def render_atomic_breaker(
    module: cst.Module,
    owner: str,
    parts: Parts,
    roles: Mapping[str, str],
    used: Set[str],
) -> str:
    """The source of the generated class, with the module's line endings."""
    aliases = runtime_aliases(module)
    duration_type = _duration_type(parts, roles)
    lazy = _has_future_annotations(module)
    clock = parts.clock
    optional = f"{clock.annotation} | None" if clock else ""
    code = _environment.get_template(TEMPLATE).render(
        name=generated_name(parts),
        metrics_class=parts.metrics_class.name.value,
        owner=owner,
        lock=parts.names.lock,
        rt={
            "metrics": aliases["AtomicCircuitBreakerMetrics"],
            "state": aliases["AtomicBreakerState"],
            "enum": aliases["BreakerState"],
        },
        used=used,
        duration_param=_duration_param(duration_type),
        duration_conversion=_duration_conversion(duration_type),
        duration_ns="0" if duration_type is None else "duration_ns",
        state_type=parts.spelling.annotation,
        states=parts.spelling.values,
        clock=clock,
        optional_time=optional if lazy else f'"{optional}"',
        fields=_snapshot_fields(parts, roles, duration_type),
    )
    lines = [_reindent(line, module.default_indent) for line in code.split("\n")]
    return module.default_newline.join(lines)


def _reindent(line: str, indent: str) -> str:
    """The template indents by four spaces; use the module's unit instead."""
    stripped = line.lstrip(" ")
    levels = (len(line) - len(stripped)) // 4
    return indent * levels + stripped


def _duration_type(parts: Parts, roles: Mapping[str, str]) -> str | None:
    """``float`` (seconds), ``int`` (nanoseconds) or the module's timedelta name."""
    name = roles.get("total_duration")
    if name is None:
        return None
    annotation = _field_annotations(parts.metrics_class).get(name)
    if annotation in ("float", "int"):
        return annotation
    if annotation is not None and annotation.split(".")[-1] == "timedelta":
        return annotation
    raise ShapeError(parts.lock.line, f"{name} is not a float, int or timedelta")


def _duration_param(duration_type: str | None) -> str:
    if duration_type is None:
        return ""
    if duration_type == "int":
        return ", duration_ns: int"
    return f", duration: {duration_type}"


def _duration_conversion(duration_type: str | None) -> str:
    """How the generated code turns ``duration`` into integer nanoseconds."""
    if duration_type == "float":
        return f"round(duration * {_NS_PER_SECOND})"
    if duration_type in (None, "int"):
        return ""  # nothing to convert: no duration, or already nanoseconds
    return f"duration // {duration_type}(microseconds=1) * 1_000"


def _duration_total(duration_type: str | None) -> str:
    """The snapshot's duration total, in the type the metrics field has."""
    if duration_type == "float":
        return f"counts.total_duration_ns / {_NS_PER_SECOND}"
    if duration_type == "int":
        return "counts.total_duration_ns"
    return f"{duration_type}(microseconds=counts.total_duration_ns // 1_000)"


def _snapshot_fields(
    parts: Parts, roles: Mapping[str, str], duration_type: str | None
) -> list[tuple[str, str]]:
    """``(field, expression)`` for each metrics field, in the class's order."""
    by_field = {name: role for role, name in roles.items()}
    fields = []
    for name, has_default in _field_defaults(parts.metrics_class).items():
        role = by_field.get(name)
        if role == "total_duration":
            fields.append((name, _duration_total(duration_type)))
        elif role is not None:
            fields.append((name, _SNAPSHOT_SOURCES[role]))
        elif not has_default:
            raise ShapeError(parts.lock.line, f"{name} has no default and no role")
    return fields


def _annotated_fields(class_def: cst.ClassDef) -> dict[str, cst.AnnAssign]:
    """The class body's ``name: annotation [= default]`` statements, by name."""
    found = {}
    for statement in class_def.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.AnnAssign) and isinstance(
                    small.target, cst.Name
                ):
                    found[small.target.value] = small
    return found


def _field_annotations(class_def: cst.ClassDef) -> dict[str, str]:
    return {
        name: cst.Module([]).code_for_node(field.annotation.annotation)
        for name, field in _annotated_fields(class_def).items()
    }


def _field_defaults(class_def: cst.ClassDef) -> dict[str, bool]:
    return {
        name: field.value is not None
        for name, field in _annotated_fields(class_def).items()
    }


def _has_future_annotations(module: cst.Module) -> bool:
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if (
                    isinstance(small, cst.ImportFrom)
                    and isinstance(small.module, cst.Name)
                    and small.module.value == "__future__"
                    and not isinstance(small.names, cst.ImportStar)
                    and any(
                        isinstance(a.name, cst.Name) and a.name.value == "annotations"
                        for a in small.names
                    )
                ):
                    return True
    return False
