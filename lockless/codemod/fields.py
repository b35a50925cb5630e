"""Which runtime atomic replaces a field, decided from its initial value and updates.

An integer counter becomes ``AtomicCounter``, a float sum or gauge
``AtomicFloat``, and a time that starts as ``None`` and is only ever stored
becomes ``AtomicTimestamp`` (0 stands for ``None``, "never").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import libcst as cst

from lockless.codemod.operations import Update
from lockless.codemod.plan import AtomicField
from lockless.codemod.references import code_of

FLOAT_CLOCKS = frozenset(
    {"time.time", "time.monotonic", "time.perf_counter", "time.process_time"}
)
"""Calls whose float result a timestamp may hold."""


class FieldTypeError(ValueError):
    """The type of a field cannot be told from the source."""


def choose_atomic(
    text: str,
    initial: cst.BaseExpression | None,
    annotation: str | None,
    updates: Sequence[Update],
    numeric_names: Collection[str] = (),
) -> AtomicField:
    """The atomic for the field shown as ``text`` that starts as ``initial``.

    ``numeric_names`` are names known to hold numbers (parameters with a
    numeric default or annotation). Raises ``FieldTypeError`` with the reason
    when no atomic fits.
    """
    name = text.rsplit(".", 1)[-1]
    adds = [u for u in updates if not u.store]
    starts_none = isinstance(initial, cst.Name) and initial.value == "None"
    if starts_none or (initial is None and _is_time(annotation)):
        if adds:
            raise FieldTypeError(f"{text} uses None to mean nothing was recorded")
        return _timestamp(text, name, annotation, updates)
    if annotation is not None and annotation not in ("int", "float"):
        raise FieldTypeError(f"{text} is declared {annotation}, not a number")
    if initial is not None and not is_number(initial, numeric_names):
        raise FieldTypeError(
            f"the lock also guards {text}, which does not start as a number"
        )
    if any(isinstance(u.value, _NOT_NUMBERS) for u in updates):
        raise FieldTypeError(
            f"the lock also guards {text}, which is not updated with numbers"
        )
    if _is_float(initial, annotation):
        return AtomicField(name, "AtomicFloat", _initial_code(initial, "0.0"), "float")
    return AtomicField(name, "AtomicCounter", _initial_code(initial, "0"), "int")


_NOT_NUMBERS = (
    cst.Tuple,
    cst.List,
    cst.Dict,
    cst.Set,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


def is_number(value: cst.BaseExpression, numeric_names: Collection[str]) -> bool:
    """Whether ``value`` is a number literal, a numeric name, or arithmetic of them."""
    if isinstance(value, (cst.Integer, cst.Float)):
        return True
    if isinstance(value, cst.UnaryOperation):
        return is_number(value.expression, numeric_names)
    if isinstance(value, cst.Name):
        return value.value in numeric_names
    if isinstance(value, cst.BinaryOperation):
        return is_number(value.left, numeric_names) and is_number(
            value.right, numeric_names
        )
    return False


def _initial_code(initial: cst.BaseExpression | None, default: str) -> str:
    return code_of(initial) if initial is not None else default


def _is_float(initial: cst.BaseExpression | None, annotation: str | None) -> bool:
    if annotation is not None:
        return annotation == "float"
    if isinstance(initial, cst.UnaryOperation):
        initial = initial.expression
    return isinstance(initial, cst.Float)


def _is_time(annotation: str | None) -> bool:
    """``Optional[float]``, ``float | None`` or any annotation naming a datetime."""
    if annotation is None:
        return False
    spaced = annotation.replace(" ", "")
    return "datetime" in annotation or spaced in (
        "Optional[float]",
        "float|None",
        "None|float",
    )


def _timestamp(
    text: str, name: str, annotation: str | None, updates: Sequence[Update]
) -> AtomicField:
    kinds: set[str] = set()
    zones: set[str] = set()
    for update in updates:
        value = update.value
        if not isinstance(value, cst.Call):
            continue
        func = code_of(value.func)
        if func in FLOAT_CLOCKS:
            kinds.add("float")
        elif func.endswith("datetime.now") or func == "now":
            kinds.add("datetime")
            zones.update(code_of(arg.value) for arg in value.args)
    if annotation is not None and _is_time(annotation):
        kinds.add("datetime" if "datetime" in annotation else "float")
    if not kinds:
        raise FieldTypeError(
            f"the lock also guards {text}, which is not a number or a time"
        )
    if len(kinds) != 1 or len(zones) > 1:
        raise FieldTypeError(
            f"{text} starts as None, but lockless cannot tell whether it holds "
            "seconds or a datetime"
        )
    if kinds == {"float"}:
        return AtomicField(name, "AtomicTimestamp", "", "float")
    arguments = '"datetime"' + (f", tz={zones.pop()}" if zones else "")
    return AtomicField(name, "AtomicTimestamp", arguments, "datetime")
