"""Rewrites the statements of a breaker owner's methods, or says why it cannot.

Each statement list is rewritten on its own:

- ``with self._lock:`` is replaced by its body; nothing may be left that needs
  the lock, so any statement the rule does not understand refuses the owner;
- a run of counter updates becomes one call (``record_success(d)``,
  ``record_failure(d)``, ``record_half_open_call()``); when the next statement
  reads the counter the update produced, the call replaces that read, so the
  decision uses the value this thread's own atomic increment returned;
- a transition (state store, opened-at store, half-open reset) becomes
  ``reset_half_open()`` then ``open(at)``, ``half_open()`` or ``close()``; it
  must do nothing else, since two threads may now both make it;
- reads of the opened-at time are read once into a local just before the
  statement that uses them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from lockless.codemod.breaker_reads import (
    Attributes,
    ReadRewriter,
    is_metrics_copy,
    is_self_attribute,
    method_call,
    metric_field,
)
from lockless.codemod.breaker_shape import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    Group,
    ShapeError,
    Update,
    clock_of,
    state_of,
)

_RECORD_METHODS = {
    "success": "record_success",
    "failure": "record_failure",
    "probe": "record_half_open_call",
}
_TRANSITIONS = {OPEN: "open", HALF_OPEN: "half_open", CLOSED: "close"}
_CONTROL_FLOW = (cst.Return, cst.Raise, cst.Pass, cst.Break, cst.Continue)


@dataclass
class BodyRewriter:
    """Rewrites method bodies of one owner; ``roles`` come from ``assign_roles``."""

    names: Attributes
    positions: Mapping[cst.CSTNode, CodeRange]
    enums: Mapping[str, Mapping[str, str]]
    roles: Mapping[str, str]
    transitions: frozenset[str] = frozenset()
    """Methods of the owner that change the state (callable under the lock)."""

    parameters: frozenset[str] = frozenset()
    """Parameters of the method being rewritten (callables the caller passes in)."""

    used: set[str] = field(default_factory=set)
    """The methods of the generated class the rewritten code calls."""

    finished: list[cst.BaseStatement] = field(default_factory=list)
    """Statements already rewritten, passed through as they are."""

    replaced_calls: list[cst.Call] = field(default_factory=list)
    """Calls the rewrite removed (copies of the metrics), for import clean-up."""

    taken: set[str] = field(default_factory=set)
    """Names already used in the method being rewritten."""

    _locked: int = 0
    _outer: dict[str, cst.BaseExpression] = field(default_factory=dict)

    def fresh(self, base: str) -> str:
        """A local name not used in the method yet, starting with ``base``."""
        name, number = base, 1
        while name in self.taken:
            number += 1
            name = f"{base}_{number}"
        self.taken.add(name)
        return name

    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def block(self, statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """The rewritten form of one statement list."""
        pending: dict[str, cst.BaseExpression] = dict(self._outer)
        result: list[cst.BaseStatement] = []
        index = 0
        while index < len(statements):
            if any(statements[index] is done for done in self.finished):
                result.append(statements[index])
                index += 1
                continue
            end = self.run_end(statements, index)
            if end > index:
                run = statements[index:end]
                result.extend(self._run(run, statements[end:], pending))
                self._check_transition_alone(run, statements)
                index = end
                continue
            result.extend(self._statement(statements[index], pending))
            index += 1
        return result

    # -- runs of breaker updates -------------------------------------------

    def run_updates(self, run: Sequence[cst.BaseStatement]) -> Group | None:
        """The counter group of a run, or None for a transition (or no updates)."""
        smalls = [self._breaker_update(s) for s in run]
        if any(s and self._target_is(s, self.names.state) for s in smalls):
            return None
        updates = [u for u in (self.update_of(s) for s in smalls if s) if u]
        return Group(tuple(updates)) if updates else None

    def run_end(self, statements: Sequence[cst.BaseStatement], start: int) -> int:
        """Where the run of breaker updates starting at ``start`` ends."""
        end = start
        while end < len(statements) and self._breaker_update(statements[end]):
            end += 1
        return end

    def _breaker_update(
        self, statement: cst.BaseStatement
    ) -> cst.BaseSmallStatement | None:
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        if len(statement.body) != 1:
            return None
        small = statement.body[0]
        target = _single_target(small)
        if target is None:
            return None
        names = self.names
        if metric_field(target, names.metrics) is not None:
            return small
        if is_self_attribute(target, names.state):
            return small
        if is_self_attribute(target, names.opened_at):
            return small
        return None

    def _run(
        self,
        run: Sequence[cst.BaseStatement],
        rest: Sequence[cst.BaseStatement],
        pending: dict[str, cst.BaseExpression],
    ) -> list[cst.BaseStatement]:
        smalls = [self._breaker_update(s) for s in run]
        updates = [u for u in (self.update_of(s) for s in smalls if s) if u]
        states = [s for s in smalls if s and self._target_is(s, self.names.state)]
        if states:
            return self._transition(run, smalls, updates)
        if not updates:
            raise ShapeError(self.line(run[0]), _TIME_ALONE)
        group = Group(tuple(updates))
        kind = self.group_kind(group)
        call = self._record_call(kind, group)
        consumed = self._consumed_field(kind)
        return self._bind(run, call, consumed, rest, pending)

    def update_of(self, small: cst.BaseSmallStatement) -> Update | None:
        """The counter update ``small`` makes, or None when it is no counter update."""
        target = _single_target(small)
        field_name = metric_field(target, self.names.metrics) if target else None
        if field_name is None:
            return None
        line = self.line(small)
        if isinstance(small, cst.AugAssign) and isinstance(
            small.operator, cst.AddAssign
        ):
            value = small.value
            if isinstance(value, cst.Integer) and value.value == "1":
                return Update(field_name, "inc", line)
            return Update(field_name, "add", line, value)
        if isinstance(small, cst.Assign) and _is_zero(small.value):
            return Update(field_name, "zero", line)
        where = f"self.{self.names.metrics}.{field_name}"
        raise ShapeError(line, f"{where} is changed in a way other than += or = 0")

    def group_kind(self, group: Group) -> str:
        """``success``, ``failure``, ``probe`` or ``reset``, checked against the roles."""
        roles = self.roles
        by_field = {u.field: u.kind for u in group.updates}
        consecutive = roles["consecutive_failures"]
        if by_field.get(consecutive) == "zero" and len(by_field) > 1:
            expected = {consecutive: "zero", **self._counted("success_count")}
        elif by_field.get(consecutive) == "inc":
            expected = {consecutive: "inc", **self._counted("failure_count")}
        elif by_field == {roles.get("half_open_calls"): "inc"}:
            return "probe"
        elif by_field == {roles.get("half_open_calls"): "zero"}:
            return "reset"
        else:
            raise ShapeError(group.line, _GROUP_SHAPE)
        if by_field != expected or len(group.updates) != len(by_field):
            raise ShapeError(group.line, _GROUP_SHAPE)
        return "success" if expected[consecutive] == "zero" else "failure"

    def _counted(self, own_count: str) -> dict[str, str]:
        expected = {}
        for role, kind in (("total_calls", "inc"), (own_count, "inc")):
            if role in self.roles:
                expected[self.roles[role]] = kind
        if "total_duration" in self.roles:
            expected[self.roles["total_duration"]] = "add"
        return expected

    def _record_call(self, kind: str, group: Group) -> cst.Call:
        if kind == "reset":
            raise ShapeError(group.line, _RESET_ALONE)
        method = _RECORD_METHODS[kind]
        self.used.add(method)
        amount = group.amount
        if amount is None:
            return method_call(self.names.metrics, method)
        rewritten = amount.visit(self._reads({}, None))
        assert isinstance(rewritten, cst.BaseExpression)
        return method_call(self.names.metrics, method, rewritten)

    def _consumed_field(self, kind: str) -> str | None:
        if kind == "failure":
            return self.roles["consecutive_failures"]
        if kind == "probe":
            return self.roles["half_open_calls"]
        return None

    def _bind(
        self,
        run: Sequence[cst.BaseStatement],
        call: cst.Call,
        consumed: str | None,
        rest: Sequence[cst.BaseStatement],
        pending: dict[str, cst.BaseExpression],
    ) -> list[cst.BaseStatement]:
        """Use the call's result where the following statements read the counter."""
        pending.clear()
        reads = [_count_reads(s, self.names.metrics, consumed) for s in rest]
        if consumed is None or not any(total for _, total in reads):
            return [_line_like(run[0], cst.Expr(call))]
        if reads[0] == (1, 1) and not any(total for _, total in reads[1:]):
            pending[consumed] = call
            return []
        local = cst.Name(self.fresh(consumed))
        pending[consumed] = local
        assign = cst.Assign([cst.AssignTarget(local)], call)
        return [_line_like(run[0], assign)]

    # -- transitions --------------------------------------------------------

    def _target_is(self, small: cst.BaseSmallStatement, name: str | None) -> bool:
        target = _single_target(small)
        return target is not None and is_self_attribute(target, name)

    def _transition(
        self,
        run: Sequence[cst.BaseStatement],
        smalls: Sequence[cst.BaseSmallStatement | None],
        updates: Sequence[Update],
    ) -> list[cst.BaseStatement]:
        states: list[str] = []
        opened_at: cst.BaseExpression | None = None
        for small in smalls:
            assert small is not None
            value = _assigned_value(small)
            if self._target_is(small, self.names.state) and value is not None:
                found = state_of(value, self.enums)
                if found is None:
                    raise ShapeError(self.line(small), _STATE_VALUE)
                states.append(found[0])
            elif self._target_is(small, self.names.opened_at) and value is not None:
                opened_at = value
        state = states[-1]
        if len(set(states)) != 1:
            raise ShapeError(self.line(run[0]), _TWO_STATES)
        calls = self._reset_calls(run, updates)
        calls.append(self._store_call(run, state, opened_at))
        return [
            _line_like(run[0] if i == 0 else None, cst.Expr(c))
            for i, c in enumerate(calls)
        ]

    def _reset_calls(
        self, run: Sequence[cst.BaseStatement], updates: Sequence[Update]
    ) -> list[cst.Call]:
        if not updates:
            return []
        probe = self.roles.get("half_open_calls")
        for update in updates:
            if update.field != probe or update.kind != "zero":
                verb = "resets" if update.kind == "zero" else "counts"
                effect = f"{verb} `self.{self.names.metrics}.{update.field}`"
                reason = not_idempotent(self.line(run[0]), effect, update.line)
                raise ShapeError(update.line, reason)
        self.used.add("reset_half_open")
        return [method_call(self.names.metrics, "reset_half_open")]

    def _store_call(
        self,
        run: Sequence[cst.BaseStatement],
        state: str,
        opened_at: cst.BaseExpression | None,
    ) -> cst.Call:
        line = self.line(run[0])
        method = _TRANSITIONS[state]
        self.used.add(method)
        if state == OPEN:
            if opened_at is None or clock_of(opened_at) is None:
                raise ShapeError(line, _OPEN_WITHOUT_TIME)
            return method_call(self.names.metrics, method, opened_at)
        if self.names.opened_at is None:
            return method_call(self.names.metrics, method)
        if state == CLOSED and not _is_none(opened_at):
            raise ShapeError(line, _CLOSE_KEEPS_TIME)
        if state == HALF_OPEN and opened_at is not None:
            raise ShapeError(line, _HALF_OPEN_TIME)
        return method_call(self.names.metrics, method)

    def _check_transition_alone(
        self, run: Sequence[cst.BaseStatement], statements: Sequence[cst.BaseStatement]
    ) -> None:
        """A transition's statement list may hold nothing else but control flow."""
        smalls = [self._breaker_update(s) for s in run]
        if not any(s and self._target_is(s, self.names.state) for s in smalls):
            return
        for statement in statements:
            if (
                any(statement is r for r in run)
                or _is_control_flow(statement)
                or _is_docstring(statement)
            ):
                continue
            effect, line = self._effect(statement)
            raise ShapeError(line, not_idempotent(self.line(run[0]), effect, line))

    def _effect(self, statement: cst.BaseStatement) -> tuple[str, int]:
        """What else a statement next to a transition does, and its line."""
        calls = _calls_in(statement)
        if calls:
            return f"calls `{_code(calls[0].func)}(...)`", self.line(calls[0])
        line = self.line(statement)
        if isinstance(statement, cst.SimpleStatementLine):
            small = statement.body[0]
            target = _single_target(small)
            if isinstance(small, cst.AugAssign) and target is not None:
                return f"counts `{_code(target)}`", line
            if target is not None:
                return f"resets `{_code(target)}`", line
        first = _code(statement).strip().splitlines()[0]
        return f"runs `{first}`", line

    # -- other statements ----------------------------------------------------

    def _statement(
        self, statement: cst.BaseStatement, pending: dict[str, cst.BaseExpression]
    ) -> list[cst.BaseStatement]:
        if isinstance(statement, cst.With) and self._is_lock_block(statement):
            self._locked += 1
            body = self.block(_body_of(statement.body))
            self._locked -= 1
            if body:
                body[0] = body[0].with_changes(
                    leading_lines=[*statement.leading_lines, *body[0].leading_lines]
                )
            return body
        opened_reads = _count_self_reads(
            statement, self.names.opened_at, header_only=True
        )
        read_once = method_call(self.names.metrics, "opened_at")
        local: cst.BaseExpression | None = None
        if opened_reads:
            self.used.add("opened_at")
            local = (
                read_once if opened_reads == 1 else cst.Name(self.fresh("opened_at"))
            )
        if self._locked:
            self._check_locked(statement)
        saved, self._outer = self._outer, _names_only(pending)
        rewritten = self._rewrite_statement(statement, pending, local)
        self._outer = saved
        if any(not isinstance(v, cst.Name) for v in pending.values()):
            pending.clear()  # an inlined call is used by this statement only
        if not isinstance(local, cst.Name):
            return [rewritten]
        read = cst.Assign([cst.AssignTarget(local)], read_once)
        moved = rewritten.with_changes(leading_lines=[])
        return [_line_like(statement, read), moved]

    def _is_lock_block(self, statement: cst.With) -> bool:
        items = [item.item for item in statement.items]
        if not any(is_self_attribute(i, self.names.lock) for i in items):
            return False
        if len(items) != 1:
            raise ShapeError(self.line(statement), _LOCK_WITH_OTHERS)
        return True

    def _reads(
        self,
        pending: Mapping[str, cst.BaseExpression],
        local: cst.BaseExpression | None,
    ) -> ReadRewriter:
        reads = ReadRewriter(
            self.names, self.positions, counters=pending, opened_at=local
        )
        reads.replaced = self.replaced_calls
        return reads

    def _rewrite_statement(
        self,
        statement: cst.BaseStatement,
        pending: Mapping[str, cst.BaseExpression],
        local: cst.BaseExpression | None,
    ) -> cst.BaseStatement:
        if isinstance(statement, cst.SimpleStatementLine):
            self._check_simple(statement)
            new = statement.visit(self._reads(pending, local))
            assert isinstance(new, cst.BaseStatement)
            return new
        if isinstance(statement, cst.If):
            return self._rewrite_if(statement, pending, local)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            self._check_untouched(statement)
            return statement
        return self._rewrite_compound(statement, pending)

    def _rewrite_if(
        self,
        statement: cst.If,
        pending: Mapping[str, cst.BaseExpression],
        local: cst.BaseExpression | None,
    ) -> cst.If:
        test = statement.test.visit(self._reads(pending, local))
        assert isinstance(test, cst.BaseExpression)
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            orelse = self._rewrite_if(orelse, _names_only(pending), None)
        elif isinstance(orelse, cst.Else):
            orelse = orelse.with_changes(body=self._suite(orelse.body))
        return statement.with_changes(
            test=test, body=self._suite(statement.body), orelse=orelse
        )

    def _rewrite_compound(
        self, statement: cst.BaseStatement, pending: Mapping[str, cst.BaseExpression]
    ) -> cst.BaseStatement:
        """Loops, ``try`` and other ``with``: headers keep their reads, bodies recurse."""
        rewriter = _SuiteRewriter(self, self._reads(pending, None))
        new = statement.visit(rewriter)
        assert isinstance(new, cst.BaseStatement)
        return new

    def _suite(self, suite: cst.BaseSuite) -> cst.BaseSuite:
        if isinstance(suite, cst.IndentedBlock):
            return suite.with_changes(body=self.block(suite.body))
        raise ShapeError(self.line(suite), _ONE_LINE_SUITE)

    def _check_simple(self, statement: cst.SimpleStatementLine) -> None:
        names = self.names
        fields = (names.state, names.opened_at, names.metrics, names.lock)
        for small in statement.body:
            finder = _Finder(cst.Attribute)
            for target in _targets(small):
                target.visit(finder)
            for node in finder.found:
                if metric_field(node, names.metrics) or any(
                    is_self_attribute(node, name) for name in fields
                ):
                    raise ShapeError(self.line(small), _ODD_WRITE)

    def _check_locked(self, statement: cst.BaseStatement) -> None:
        """Under the lock only breaker code may run: no other writes or calls."""
        line = self.line(statement)
        if not isinstance(statement, (cst.SimpleStatementLine, cst.If, cst.With)):
            first = _code(statement).strip().splitlines()[0]
            raise ShapeError(line, f"the lock also guards `{first}`{_NOT_METRICS}")
        header: cst.CSTNode = statement
        if isinstance(statement, cst.If):
            header = statement.test
        elif isinstance(statement, cst.With):
            header = cst.Tuple([cst.Element(i.item) for i in statement.items])
        for call in _calls_in(header):
            self._check_locked_call(call)
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                for target in _targets(small):
                    if not isinstance(target, cst.Name) and not metric_field(
                        target, self.names.metrics
                    ):
                        what = _code(target)
                        raise ShapeError(
                            line, f"the lock also guards `{what}`{_NOT_METRICS}"
                        )

    def _check_locked_call(self, call: cst.Call) -> None:
        func = call.func
        line = self.line(call)
        if isinstance(func, cst.Name) and func.value in self.parameters:
            raise ShapeError(line, guarded_call(_code(call)))
        if isinstance(func, cst.Name) and func.value in _PURE_BUILTINS:
            return
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            if func.value.value == "self" and func.attr.value in self.transitions:
                return
        if is_metrics_copy(call, self.names.metrics):
            return
        raise ShapeError(
            line, f"the lock also guards the call `{_code(call)}`{_NOT_METRICS}"
        )

    def _check_untouched(self, statement: cst.BaseStatement) -> None:
        names = self.names
        for name in (names.state, names.opened_at, names.metrics, names.lock):
            if _count_self_reads(statement, name, header_only=False):
                raise ShapeError(self.line(statement), _NESTED_SCOPE)


class _SuiteRewriter(cst.CSTTransformer):
    """Rewrites the header expressions of a compound statement and its blocks."""

    def __init__(self, body: BodyRewriter, reads: ReadRewriter) -> None:
        super().__init__()
        self._body = body
        self._reads = reads

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        return False

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated_node.with_changes(body=self._body.block(original_node.body))

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseExpression):
            return False
        return super().on_visit(node)

    def on_leave(
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        if isinstance(original_node, cst.BaseExpression):
            return original_node.visit(self._reads)
        return super().on_leave(original_node, updated_node)


def not_idempotent(transition_line: int, effect: str, line: int) -> str:
    """The reason given for a transition that does more than store."""
    return (
        f"the transition at line {transition_line} also {effect} (line {line}); "
        "without the lock two threads can make it at once and do that twice, "
        "so it is not idempotent"
    )


def guarded_call(code: str) -> str:
    """The reason given when the user's own function runs under the lock."""
    return (
        f"the lock is held around the guarded call `{code}`, so calls through the "
        "breaker never overlap; without the lock they would, which changes what "
        "the breaker counts and decides"
    )


def _names_only(
    pending: Mapping[str, cst.BaseExpression],
) -> dict[str, cst.BaseExpression]:
    return {k: v for k, v in pending.items() if isinstance(v, cst.Name)}


def _targets(small: cst.BaseSmallStatement) -> list[cst.BaseExpression]:
    if isinstance(small, cst.Assign):
        return [t.target for t in small.targets]
    if isinstance(small, (cst.AugAssign, cst.AnnAssign)):
        return [small.target]
    if isinstance(small, cst.Del):
        return [small.target]
    return []


def _single_target(small: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        return small.targets[0].target
    if isinstance(small, (cst.AugAssign, cst.AnnAssign)):
        return small.target
    return None


def _assigned_value(small: cst.BaseSmallStatement) -> cst.BaseExpression | None:
    if isinstance(small, (cst.Assign, cst.AnnAssign)):
        return small.value
    return None


def _is_zero(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Integer) and value.value == "0"


def _is_none(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _is_control_flow(statement: cst.BaseStatement | cst.BaseSuite | None) -> bool:
    """``return``/``raise``/``pass``..., or an ``if`` that only guards with them."""
    if statement is None:
        return True
    if isinstance(statement, cst.SimpleStatementLine):
        return all(isinstance(s, _CONTROL_FLOW) for s in statement.body)
    if isinstance(statement, cst.IndentedBlock):
        return all(_is_control_flow(s) for s in statement.body)
    if isinstance(statement, cst.Else):
        return _is_control_flow(statement.body)
    if isinstance(statement, cst.If):
        return _is_control_flow(statement.body) and _is_control_flow(statement.orelse)
    return False


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString)
    )


def _body_of(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    return [cst.SimpleStatementLine(body=list(suite.body))]  # type: ignore[attr-defined]


def _line_like(
    original: cst.BaseStatement | None, small: cst.BaseSmallStatement
) -> cst.SimpleStatementLine:
    """A new one-statement line that keeps ``original``'s comments above it."""
    leading = original.leading_lines if original is not None else ()
    return cst.SimpleStatementLine(body=[small], leading_lines=leading)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


class _Finder(cst.CSTVisitor):
    def __init__(self, wanted: type[cst.CSTNode]) -> None:
        super().__init__()
        self.wanted = wanted
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.wanted):
            self.found.append(node)
        return True


def _calls_in(statement: cst.CSTNode) -> list[cst.Call]:
    finder = _Finder(cst.Call)
    statement.visit(finder)
    return [c for c in finder.found if isinstance(c, cst.Call) and clock_of(c) is None]


def _count_self_reads(
    statement: cst.BaseStatement, name: str | None, *, header_only: bool
) -> int:
    """How often ``self.<name>`` appears in ``statement`` (its header only if asked)."""
    if name is None:
        return 0
    nodes: list[cst.CSTNode] = [statement]
    if header_only and not isinstance(statement, cst.SimpleStatementLine):
        nodes = [statement.test] if isinstance(statement, cst.If) else []
    finder = _Finder(cst.Attribute)
    for node in nodes:
        node.visit(finder)
    return sum(1 for a in finder.found if is_self_attribute(a, name))


def _count_reads(
    statement: cst.BaseStatement, metrics: str, field_name: str | None
) -> tuple[int, int]:
    """``(unconditional reads in the header, all reads)`` of ``self.<metrics>.<field>``."""
    if field_name is None:
        return 0, 0
    finder = _Finder(cst.Attribute)
    statement.visit(finder)
    total = sum(1 for a in finder.found if metric_field(a, metrics) == field_name)
    header: cst.CSTNode | None = None
    if isinstance(statement, cst.If):
        header = statement.test
    elif isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        header = statement.body[0]
    counts = [0, 0]
    if header is not None:
        _walk_reads(header, metrics, field_name, False, counts)
    return counts[0], total


def _walk_reads(
    node: cst.CSTNode,
    metrics: str,
    field_name: str,
    conditional: bool,
    counts: list[int],
) -> None:
    """Count reads, splitting those every evaluation makes from the conditional ones."""
    if metric_field(node, metrics) == field_name:
        counts[1 if conditional else 0] += 1
        return
    if isinstance(node, cst.BooleanOperation):
        _walk_reads(node.left, metrics, field_name, conditional, counts)
        _walk_reads(node.right, metrics, field_name, True, counts)
        return
    if isinstance(node, cst.Comparison):
        _walk_reads(node.left, metrics, field_name, conditional, counts)
        for index, target in enumerate(node.comparisons):
            _walk_reads(
                target.comparator, metrics, field_name, conditional or index > 0, counts
            )
        return
    lazy = (
        cst.IfExp,
        cst.Lambda,
        cst.ListComp,
        cst.SetComp,
        cst.DictComp,
        cst.GeneratorExp,
    )
    for child in node.children:
        _walk_reads(
            child, metrics, field_name, conditional or isinstance(node, lazy), counts
        )


_GROUP_SHAPE = (
    "these counter updates do not match a success (count it, zero the consecutive "
    "failures, add the duration) or a failure (count it, increment the consecutive "
    "failures, add the duration)"
)
_NOT_METRICS = ", which is not breaker metrics, so the lock cannot go"
_TIME_ALONE = "the opened-at time is stored without a state transition"
_RESET_ALONE = "half-open calls are reset without a state transition"
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
_LOCK_WITH_OTHERS = "the lock is entered together with other context managers"
_ONE_LINE_SUITE = "a one-line block (`if x: y`) cannot be rewritten yet"
_ODD_WRITE = "the breaker's fields are written in a form lockless does not rewrite"
_PURE_BUILTINS = frozenset(
    {"len", "min", "max", "abs", "int", "float", "bool", "round"}
)
_NESTED_SCOPE = "a nested function or class uses the breaker's fields"
