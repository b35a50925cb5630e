"""Breaker state transitions: what a transition may do, and its atomic form.

A transition is a run of statements that stores a state, perhaps with the
opened-at time and a reset of the half-open calls. It becomes
``reset_half_open()`` followed by ``open(at)``, ``half_open()`` or ``close()``
on the generated class. Without the lock two threads can make the same
transition at once, so it must be idempotent: anything else it does (calling
listeners, logging, counting, resetting other state) refuses the breaker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import libcst as cst

from lockless.codemod.breaker_reads import method_call
from lockless.codemod.breaker_shape import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    ShapeError,
    Update,
    clock_of,
    state_of,
)
from lockless.codemod.breaker_syntax import (
    assigned_value,
    calls_in,
    code,
    is_control_flow,
    is_docstring,
    is_none,
    line_like,
    single_target,
)

if TYPE_CHECKING:
    from lockless.codemod.breaker_body import BodyRewriter

_TRANSITIONS = {OPEN: "open", HALF_OPEN: "half_open", CLOSED: "close"}


def rewrite_transition(
    rw: BodyRewriter,
    run: Sequence[cst.BaseStatement],
    smalls: Sequence[cst.BaseSmallStatement | None],
    updates: Sequence[Update],
) -> list[cst.BaseStatement]:
    states: list[str] = []
    opened_at: cst.BaseExpression | None = None
    for small in smalls:
        assert small is not None
        value = assigned_value(small)
        if rw.target_is(small, rw.names.state) and value is not None:
            found = state_of(value, rw.enums)
            if found is None:
                raise ShapeError(rw.line(small), _STATE_VALUE)
            states.append(found[0])
        elif rw.target_is(small, rw.names.opened_at) and value is not None:
            opened_at = value
    state = states[-1]
    if len(set(states)) != 1:
        raise ShapeError(rw.line(run[0]), _TWO_STATES)
    calls = _reset_calls(rw, run, updates)
    calls.append(_store_call(rw, run, state, opened_at))
    return [
        line_like(run[0] if i == 0 else None, cst.Expr(c)) for i, c in enumerate(calls)
    ]


def _reset_calls(
    rw: BodyRewriter, run: Sequence[cst.BaseStatement], updates: Sequence[Update]
) -> list[cst.Call]:
    if not updates:
        return []
    probe = rw.roles.get("half_open_calls")
    for update in updates:
        if update.field != probe or update.kind != "zero":
            verb = "resets" if update.kind == "zero" else "counts"
            effect = f"{verb} `self.{rw.names.metrics}.{update.field}`"
            reason = not_idempotent(rw.line(run[0]), effect, update.line)
            raise ShapeError(update.line, reason)
    rw.used.add("reset_half_open")
    return [method_call(rw.names.metrics, "reset_half_open")]


def _store_call(
    rw: BodyRewriter,
    run: Sequence[cst.BaseStatement],
    state: str,
    opened_at: cst.BaseExpression | None,
) -> cst.Call:
    line = rw.line(run[0])
    method = _TRANSITIONS[state]
    rw.used.add(method)
    if state == OPEN:
        if opened_at is None or clock_of(opened_at) is None:
            raise ShapeError(line, _OPEN_WITHOUT_TIME)
        return method_call(rw.names.metrics, method, opened_at)
    if rw.names.opened_at is None:
        return method_call(rw.names.metrics, method)
    if state == CLOSED and not is_none(opened_at):
        raise ShapeError(line, _CLOSE_KEEPS_TIME)
    if state == HALF_OPEN and opened_at is not None:
        raise ShapeError(line, _HALF_OPEN_TIME)
    return method_call(rw.names.metrics, method)


def check_transition_alone(
    rw: BodyRewriter,
    run: Sequence[cst.BaseStatement],
    statements: Sequence[cst.BaseStatement],
) -> None:
    """A transition's statement list may hold nothing else but control flow."""
    smalls = [rw._breaker_update(s) for s in run]
    if not any(s and rw.target_is(s, rw.names.state) for s in smalls):
        return
    for statement in statements:
        if (
            any(statement is r for r in run)
            or is_control_flow(statement)
            or is_docstring(statement)
        ):
            continue
        effect, line = _effect(rw, statement)
        raise ShapeError(line, not_idempotent(rw.line(run[0]), effect, line))


def _effect(rw: BodyRewriter, statement: cst.BaseStatement) -> tuple[str, int]:
    """What else a statement next to a transition does, and its line."""
    calls = calls_in(statement)
    if calls:
        return f"calls `{code(calls[0].func)}(...)`", rw.line(calls[0])
    line = rw.line(statement)
    if isinstance(statement, cst.SimpleStatementLine):
        small = statement.body[0]
        target = single_target(small)
        if isinstance(small, cst.AugAssign) and target is not None:
            return f"counts `{code(target)}`", line
        if target is not None:
            return f"resets `{code(target)}`", line
    first = code(statement).strip().splitlines()[0]
    return f"runs `{first}`", line


def not_idempotent(transition_line: int, effect: str, line: int) -> str:
    """The reason given for a transition that does more than store."""
    return (
        f"the transition at line {transition_line} also {effect} (line {line}); "
        "without the lock two threads can make it at once and do that twice, "
        "so it is not idempotent"
    )


_STATE_VALUE = "the state is set to a value that is not closed, open or half-open"
_TWO_STATES = "one run of statements sets the state to two different values"
_OPEN_WITHOUT_TIME = (
    "opening does not record time.time() or datetime.now() as the opened-at time; "
    "the atomic state stores both together"
)
_CLOSE_KEEPS_TIME = (
    "closing keeps the old opened-at time; the atomic state clears it on close"
)
_HALF_OPEN_TIME = (
    "the half-open transition changes the opened-at time; the atomic state keeps it"
)
