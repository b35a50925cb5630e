"""Finds the parts of a circuit-breaker owner: its lock, metrics, state and clock.

``find_parts`` looks at one class that holds a lock and stores breaker states;
it names the attributes the rule rewrites and checks the conditions that
refuse a breaker before any statement is rewritten: the user's function runs
under the lock, or the counters live in an object the caller hands in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst
from libcst.metadata import CodeRange

from lockless.codemod.breaker_locked import guarded_call
from lockless.codemod.breaker_reads import Attributes, is_self_attribute, metric_field
from lockless.codemod.breaker_shape import (
    Clock,
    ShapeError,
    StateSpelling,
    clock_of,
    state_of,
)
from lockless.codemod.breaker_syntax import NodeFinder
from lockless.codemod.locks import ClassLocks, LockAttribute

NodeT = TypeVar("NodeT", bound=cst.CSTNode)


@dataclass(frozen=True)
class Parts:
    """The pieces of one breaker owner that the rewrite replaces."""

    names: Attributes
    lock: LockAttribute
    metrics_class: cst.ClassDef
    spelling: StateSpelling
    clock: Clock | None
    transitions: frozenset[str]
    """Methods that store a state."""


def methods(owner: cst.ClassDef) -> Iterator[cst.FunctionDef]:
    """The methods defined directly in the class body."""
    for statement in owner.body.body:
        if isinstance(statement, cst.FunctionDef):
            yield statement


def state_stores(
    node: cst.CSTNode, enums: Mapping[str, Mapping[str, str]]
) -> list[tuple[cst.BaseExpression, cst.BaseExpression]]:
    """``(target, value)`` of every store of a breaker state constant under ``node``."""
    found: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
    for small in _all(node, cst.Assign, cst.AnnAssign):
        targets, value = _targets_and_value(small)
        if value is None:
            continue
        values = _elements(value)
        for target in targets:
            for index, part in enumerate(_elements(target)):
                part_value = values[index] if len(values) > index else value
                found_state = state_of(part_value, enums)
                if found_state is None:
                    continue
                # An enum of breaker states says enough; a string needs a name too.
                if found_state[1] != "str" or _is_state_name(part):
                    found.append((part, part_value))
    return found


def find_parts(
    locks: ClassLocks,
    module: cst.Module,
    enums: Mapping[str, Mapping[str, str]],
    positions: Mapping[cst.CSTNode, CodeRange],
) -> Parts:
    """The breaker's parts, or ``ShapeError`` saying why it cannot be rewritten."""
    owner = locks.class_def
    lock = _the_lock(locks, positions)
    _refuse_guarded_calls(owner, lock.name, positions)
    stores = state_stores(owner, enums)
    state = _state_attribute(stores, owner, positions)
    metrics = _metrics_attribute(owner, positions)
    init = _constructor(owner, positions)
    metrics_class = _metrics_class(init, metrics, module, positions)
    clock_name, clock = _clock(owner, positions)
    names = Attributes(lock.name, metrics, state, clock_name)
    _refuse_public(init, names, positions)
    _refuse_subclass_use(owner, module, names, positions)
    spelling = _spelling(owner, names, enums, positions)
    transitions = frozenset(
        m.name.value
        for m in methods(owner)
        if m.name.value != "__init__" and state_stores(m, enums)
    )
    return Parts(names, lock, metrics_class, spelling, clock, transitions)


def _the_lock(
    locks: ClassLocks, positions: Mapping[cst.CSTNode, CodeRange]
) -> LockAttribute:
    owner = locks.class_def
    entered = {
        item.item.attr.value
        for with_node in _all(owner, cst.With)
        for item in with_node.items
        if isinstance(item.item, cst.Attribute)
        and isinstance(item.item.value, cst.Name)
        and item.item.value.value == "self"
    }
    used = [lock for name, lock in locks.locks.items() if name in entered]
    line = positions[owner].start.line
    if len(used) != 1:
        raise ShapeError(line, f"{len(used)} locks guard the breaker; expected one")
    lock = used[0]
    if lock.supplied_by_caller:
        raise ShapeError(lock.line, _CALLER_LOCK)
    if lock.on_class or lock.kind == "asyncio.Lock":
        raise ShapeError(lock.line, f"the breaker's lock is a {lock.kind} {_SHARED}")
    return lock


def _refuse_guarded_calls(
    owner: cst.ClassDef, lock: str, positions: Mapping[cst.CSTNode, CodeRange]
) -> None:
    """The user's function called with the lock held refuses the whole breaker."""
    for method in methods(owner):
        params = method.params
        names = {
            p.name.value
            for p in [*params.params, *params.kwonly_params, *params.posonly_params]
        }
        for with_node in _all(method, cst.With):
            if not any(is_self_attribute(i.item, lock) for i in with_node.items):
                continue
            for call in _all(with_node.body, cst.Call):
                if _runs_callers_function(call, names):
                    code = cst.Module([]).code_for_node(call)
                    raise ShapeError(positions[call].start.line, guarded_call(code))


def _runs_callers_function(call: cst.Call, parameters: set[str]) -> bool:
    """``fn(...)`` for a parameter ``fn``, or ``x.call(func, ...)`` passing it on."""
    func = call.func
    if isinstance(func, cst.Name) and func.value in parameters:
        return True
    passed = {
        arg.value.value
        for arg in call.args
        if isinstance(arg.value, cst.Name) and arg.value.value in parameters
    }
    return bool(passed & _FUNCTION_PARAMETERS)


def _refuse_public(
    init: cst.FunctionDef,
    names: Attributes,
    positions: Mapping[cst.CSTNode, CodeRange],
) -> None:
    """Fields the rewrite removes must be private: nothing outside may read them."""
    for name in (names.state, names.opened_at, names.metrics):
        if name is None or name.startswith("_"):
            continue
        line = positions[init].start.line
        for small in _all(init, cst.Assign, cst.AnnAssign):
            targets, _ = _targets_and_value(small)
            if any(is_self_attribute(t, name) for t in targets):
                line = positions[small].start.line
        raise ShapeError(line, f"self.{name} {_PUBLIC}")


def _refuse_subclass_use(
    owner: cst.ClassDef,
    module: cst.Module,
    names: Attributes,
    positions: Mapping[cst.CSTNode, CodeRange],
) -> None:
    """A subclass in the module that touches the breaker's fields would break."""
    fields = {names.lock, names.metrics, names.state, names.opened_at} - {None}
    for statement in module.body:
        if not isinstance(statement, cst.ClassDef) or statement is owner:
            continue
        bases = {cst.Module([]).code_for_node(arg.value) for arg in statement.bases}
        if owner.name.value not in bases:
            continue
        for attribute in _all(statement, cst.Attribute):
            if any(is_self_attribute(attribute, name) for name in fields):
                line = positions[attribute].start.line
                subclass = statement.name.value
                reason = f"the subclass {subclass} uses {code_of(attribute)} too"
                raise ShapeError(line, reason)


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _state_attribute(
    stores: list[tuple[cst.BaseExpression, cst.BaseExpression]],
    owner: cst.ClassDef,
    positions: Mapping[cst.CSTNode, CodeRange],
) -> str:
    names = set()
    for target, _ in stores:
        if not isinstance(target, cst.Attribute):
            line = positions[target].start.line
            raise ShapeError(line, "the state has a class-level value shared by all")
        holder = cst.Module([]).code_for_node(target.value)
        if holder != "self":
            line = positions[target].start.line
            raise ShapeError(
                line, elsewhere(f"the state ({holder}.{target.attr.value})")
            )
        names.add(target.attr.value)
    if len(names) != 1:
        listed = ", ".join(sorted(names))
        raise ShapeError(positions[owner].start.line, f"several state fields: {listed}")
    return names.pop()


def _metrics_attribute(
    owner: cst.ClassDef, positions: Mapping[cst.CSTNode, CodeRange]
) -> str:
    holders = set()
    for node in _all(owner, cst.AugAssign):
        target = node.target
        holder = target.value if isinstance(target, cst.Attribute) else None
        if isinstance(holder, cst.Attribute) and metric_field(
            target, holder.attr.value
        ):
            holders.add(holder.attr.value)
    if len(holders) != 1:
        # TODO: counters kept as the breaker's own attributes (self._failures += 1)
        # are refused; rewriting them needs a generated class built from fields
        # spread over the owner rather than one dataclass.
        line = positions[owner].start.line
        raise ShapeError(line, _NO_METRICS if not holders else _SEVERAL_METRICS)
    return holders.pop()


def _constructor(
    owner: cst.ClassDef, positions: Mapping[cst.CSTNode, CodeRange]
) -> cst.FunctionDef:
    for method in methods(owner):
        if method.name.value == "__init__":
            return method
    raise ShapeError(positions[owner].start.line, "the breaker has no __init__")


def _metrics_class(
    init: cst.FunctionDef,
    metrics: str,
    module: cst.Module,
    positions: Mapping[cst.CSTNode, CodeRange],
) -> cst.ClassDef:
    for small in _all(init, cst.Assign, cst.AnnAssign):
        targets, value = _targets_and_value(small)
        if not any(is_self_attribute(t, metrics) for t in targets):
            continue
        line = positions[small].start.line
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and not value.args
        ):
            return _module_dataclass(module, value.func.value, line)
        raise ShapeError(line, elsewhere(f"the counters (self.{metrics})"))
    raise ShapeError(positions[init].start.line, f"__init__ never sets self.{metrics}")


def _module_dataclass(module: cst.Module, name: str, line: int) -> cst.ClassDef:
    for statement in module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == name:
            decorators = [
                cst.Module([]).code_for_node(d.decorator) for d in statement.decorators
            ]
            if any(d.split("(")[0].endswith("dataclass") for d in decorators):
                return statement
    raise ShapeError(line, f"{name} is not a dataclass defined in this module")


def _clock(
    owner: cst.ClassDef, positions: Mapping[cst.CSTNode, CodeRange]
) -> tuple[str | None, Clock | None]:
    found: dict[str, Clock] = {}
    for small in _all(owner, cst.Assign):
        targets, value = _targets_and_value(small)
        clock = clock_of(value) if value is not None else None
        if clock is None:
            continue
        for target in targets:
            if not isinstance(target, cst.Attribute):
                continue
            if is_self_attribute(target, target.attr.value):
                previous = found.setdefault(target.attr.value, clock)
                if previous != clock:
                    line = positions[small].start.line
                    raise ShapeError(line, "the opened-at time is read two ways")
    if len(found) > 1:
        listed = ", ".join(sorted(found))
        raise ShapeError(
            positions[owner].start.line, f"several opened-at fields: {listed}"
        )
    if not found:
        return None, None
    return next(iter(found.items()))


def _spelling(
    owner: cst.ClassDef,
    names: Attributes,
    enums: Mapping[str, Mapping[str, str]],
    positions: Mapping[cst.CSTNode, CodeRange],
) -> StateSpelling:
    """How the states are written, from every store and comparison of the state."""
    values: dict[str, str] = {}
    annotations = set()
    candidates = [v for _, v in state_stores(owner, enums)]
    for comparison in _all(owner, cst.Comparison):
        sides = [comparison.left, *(c.comparator for c in comparison.comparisons)]
        if any(is_self_attribute(side, names.state) for side in sides):
            candidates.extend(sides)
    for candidate in candidates:
        found = state_of(candidate, enums)
        if found is None:
            continue
        word, annotation, code = found
        if values.setdefault(word, code) != code:
            line = positions[candidate].start.line
            raise ShapeError(
                line, f"a state is spelled two ways: {values[word]}, {code}"
            )
        annotations.add(annotation)
    if len(annotations) != 1:
        raise ShapeError(positions[owner].start.line, _MIXED_SPELLING)
    annotation = annotations.pop()
    for word in ("CLOSED", "OPEN"):
        if word not in values:
            line = positions[owner].start.line
            raise ShapeError(line, f"the breaker never spells the {word.lower()} state")
    return StateSpelling(annotation, values)


def _all(node: cst.CSTNode, *kinds: type[NodeT]) -> list[NodeT]:
    """Every node of one of ``kinds`` in ``node``'s subtree, in source order."""
    finder = NodeFinder(kinds)
    node.visit(finder)
    return [found for found in finder.found if isinstance(found, kinds)]


def _targets_and_value(
    small: cst.CSTNode,
) -> tuple[list[cst.BaseExpression], cst.BaseExpression | None]:
    if isinstance(small, cst.Assign):
        return [t.target for t in small.targets], small.value
    if isinstance(small, cst.AnnAssign):
        return [small.target], small.value
    return [], None


def _elements(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, (cst.Tuple, cst.List)):
        return [e.value for e in node.elements]
    return [node]


def _is_state_name(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Attribute):
        return False
    name = node.attr.value.lower()
    return any(word in name for word in ("state", "status", "circuit"))


_FUNCTION_PARAMETERS = frozenset(
    {"func", "fn", "function", "callable", "call", "wrapped", "target", "operation"}
)
"""Parameter names that hold the caller's function, when passed on under the lock."""

_PUBLIC = (
    "is public, so code outside the class may read or set it; the rewrite "
    "would remove it"
)
_CALLER_LOCK = "the lock comes from the caller, who may hold it around other code"
_SHARED = "shared beyond one breaker; only a per-instance threading lock can go"


def elsewhere(what: str) -> str:
    """The reason given when breaker data lives in an object others can reach."""
    return (
        f"{what} may be an object the caller passes in, which other code can "
        "change without this lock; removing the lock would not make it safe"
    )


_NO_METRICS = (
    "no metrics object: a breaker that keeps its counters as its own attributes "
    "is not rewritten yet"
)
_SEVERAL_METRICS = "counters are spread over more than one metrics object"
_MIXED_SPELLING = "states are written both as strings and as enum members"
