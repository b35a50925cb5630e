"""The vocabulary of a circuit breaker: its states, its clock and its counter roles.

These are pure functions over libcst expressions; they decide what a constant,
a time expression or a group of counter updates means, and never rewrite.
The statement rules that use them live in ``breaker_body``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

CLOSED = "CLOSED"
OPEN = "OPEN"
HALF_OPEN = "HALF_OPEN"
"""The three states, named as the runtime's ``BreakerState`` members."""

_STATE_WORDS = {"closed": CLOSED, "open": OPEN, "halfopen": HALF_OPEN}

FLOAT_CLOCKS = frozenset({"time", "monotonic", "perf_counter"})
"""Functions of the ``time`` module whose float seconds an opened-at may hold."""

ROLES = (
    "total_calls",
    "success_count",
    "failure_count",
    "consecutive_failures",
    "half_open_calls",
    "total_duration",
)
"""What each counter of a breaker's metrics means, whatever the owner calls it."""


class ShapeError(ValueError):
    """The breaker does not have a shape the rule can rewrite; says why and where."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _state_word(text: str) -> str | None:
    squeezed = text.lower().replace("_", "").replace("-", "").replace(" ", "")
    return _STATE_WORDS.get(squeezed)


def enum_states(module: cst.Module) -> dict[str, dict[str, str]]:
    """Enum classes of ``module`` whose members name breaker states.

    Returns the class name mapped to ``{runtime state: member name}``.
    Module-level string constants (``STATE_OPEN = "open"``) are listed the
    same way under the class name ``""``.
    """
    found: dict[str, dict[str, str]] = {}
    constants = _string_constants(module)
    if constants:
        found[""] = constants
    for statement in module.body:
        if not isinstance(statement, cst.ClassDef):
            continue
        bases = [cst.Module([]).code_for_node(arg.value) for arg in statement.bases]
        if not any(base.endswith("Enum") for base in bases):
            continue
        members: dict[str, str] = {}
        for line in statement.body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for small in line.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if isinstance(target, cst.Name):
                        word = _state_word(target.value)
                        if word is not None:
                            members[word] = target.value
        if members:
            found[statement.name.value] = members
    return found


def _string_constants(module: cst.Module) -> dict[str, str]:
    """``{runtime state: NAME}`` for top-level ``NAME = "<state>"`` assignments."""
    found: dict[str, str] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and isinstance(small.value, cst.SimpleString)
            ):
                value = small.value.evaluated_value
                word = _state_word(value) if isinstance(value, str) else None
                if word is not None:
                    found.setdefault(word, small.targets[0].target.value)
    return found


@dataclass(frozen=True)
class StateSpelling:
    """How the owner writes its states: strings, or members of one enum."""

    annotation: str
    """``str``, or the enum class name."""

    values: Mapping[str, str]
    """Runtime state name to the owner's code for it (``'"open"'``, ``State.OPEN``)."""


def state_of(
    expression: cst.BaseExpression, enums: Mapping[str, Mapping[str, str]]
) -> tuple[str, str, str] | None:
    """``(runtime state, annotation, code)`` when ``expression`` is a state constant."""
    if isinstance(expression, cst.SimpleString):
        value = ast.literal_eval(expression.value)
        if isinstance(value, str):
            word = _state_word(value)
            if word is not None:
                return word, "str", expression.value
        return None
    if isinstance(expression, cst.Name):
        for word, name in enums.get("", {}).items():
            if name == expression.value:
                return word, "str", name
        return None
    if isinstance(expression, cst.Attribute) and isinstance(expression.value, cst.Name):
        members = enums.get(expression.value.value, {})
        for word, member in members.items():
            if member == expression.attr.value:
                code = f"{expression.value.value}.{member}"
                return word, expression.value.value, code
    return None


@dataclass(frozen=True)
class Clock:
    """What the opened-at time holds and how it was read."""

    kind: str
    """``float`` (seconds from a ``time`` function) or ``datetime``."""

    annotation: str
    """The type as the module spells it: ``float``, ``datetime``, ``dt.datetime``."""

    timezone: str | None = None
    """For a datetime, the code of the zone passed to ``now()``; None for naive."""


def clock_of(expression: cst.BaseExpression) -> Clock | None:
    """The clock ``expression`` reads: ``time.time()`` or ``datetime.now()``."""
    # TODO: other clocks (a parameter, self._clock(), datetime.utcnow()) are not
    # understood, so opening with them refuses; each needs its own conversion.
    if not isinstance(expression, cst.Call):
        return None
    func = expression.func
    name = func.attr.value if isinstance(func, cst.Attribute) else None
    if isinstance(func, cst.Name):
        name = func.value
    if name in FLOAT_CLOCKS and not expression.args:
        return Clock("float", "float")
    if name == "now" and isinstance(func, cst.Attribute) and len(expression.args) <= 1:
        owner = cst.Module([]).code_for_node(func.value)
        zone = None
        if expression.args:
            zone = cst.Module([]).code_for_node(expression.args[0].value)
        return Clock("datetime", owner, zone)
    return None


@dataclass(frozen=True)
class Update:
    """One counter update: ``field += 1``, ``field += amount`` or ``field = 0``."""

    field: str
    kind: str
    """``inc``, ``add`` or ``zero``."""

    line: int
    amount: cst.BaseExpression | None = None


@dataclass(frozen=True)
class Group:
    """Consecutive counter updates that become one call on the atomic metrics."""

    updates: tuple[Update, ...]

    @property
    def line(self) -> int:
        return self.updates[0].line

    def fields(self, kind: str) -> list[str]:
        return [u.field for u in self.updates if u.kind == kind]

    @property
    def amount(self) -> cst.BaseExpression | None:
        for update in self.updates:
            if update.kind == "add":
                return update.amount
        return None


def assign_roles(groups: Sequence[Group]) -> dict[str, str]:
    """Name each counter by what the groups do with it; ``{role: field}``.

    A success group zeroes exactly one field (the consecutive failures); a
    failure group increments that field; a group that only increments one other
    field counts half-open calls. Raises ``ShapeError`` on anything else.
    """
    successes = [
        g for g in groups if g.fields("zero") and len(g.fields("zero")) < len(g.updates)
    ]
    if not successes:
        raise ShapeError(groups[0].line if groups else 0, _NO_SUCCESS)
    zeroed = {f for g in successes for f in g.fields("zero")}
    if len(zeroed) != 1:
        raise ShapeError(successes[0].line, _ONE_ZERO)
    consecutive = zeroed.pop()
    failures = [g for g in groups if consecutive in g.fields("inc")]
    if not failures:
        raise ShapeError(successes[0].line, _NO_FAILURE)

    roles = {"consecutive_failures": consecutive}
    in_success = {f for g in successes for f in g.fields("inc")}
    in_failure = {f for g in failures for f in g.fields("inc")} - {consecutive}
    _add_role(roles, "total_calls", in_success & in_failure, successes[0].line)
    _add_role(roles, "success_count", in_success - in_failure, successes[0].line)
    _add_role(roles, "failure_count", in_failure - in_success, failures[0].line)
    durations = {f for g in [*successes, *failures] for f in g.fields("add")}
    _add_role(roles, "total_duration", durations, successes[0].line)
    if durations and not all(g.fields("add") for g in [*successes, *failures]):
        raise ShapeError(successes[0].line, _DURATION_BOTH)

    others = [g for g in groups if g not in successes and g not in failures]
    probes = [g for g in others if [u.kind for u in g.updates] == ["inc"]]
    for group in probes:
        _add_role(roles, "half_open_calls", {group.updates[0].field}, group.line)
    # What is left may only be the half-open reset that goes with a transition.
    reset = {roles.get("half_open_calls")}
    for group in others:
        if group not in probes and set(group.fields("zero")) != reset:
            raise ShapeError(group.line, _UNKNOWN_GROUP)
    if len(set(roles.values())) != len(roles):
        twice = [f for f in roles.values() if list(roles.values()).count(f) > 1]
        line = min(g.line for g in groups if twice[0] in {u.field for u in g.updates})
        raise ShapeError(line, f"{twice[0]} is updated in two different roles")
    return roles


def _add_role(roles: dict[str, str], role: str, fields: set[str], line: int) -> None:
    if not fields:
        return
    if len(fields) > 1 or roles.get(role, next(iter(fields))) not in fields:
        names = ", ".join(sorted(fields | {roles.get(role, "")} - {""}))
        raise ShapeError(line, f"more than one counter could be {role}: {names}")
    roles[role] = next(iter(fields))


_NO_SUCCESS = "no success update zeroes the consecutive failures under the lock"
_ONE_ZERO = "a success update zeroes more than one counter"
_NO_FAILURE = "no failure update increments the counter a success zeroes"
_DURATION_BOTH = "a duration is added on success or on failure, not on both"
_UNKNOWN_GROUP = "these counter updates are neither a success, a failure, nor a probe"
