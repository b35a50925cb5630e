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

from lockless.codemod.breaker_locked import (
    check_locked,
    check_simple,
    check_untouched,
)
from lockless.codemod.breaker_reads import (
    Attributes,
    ReadRewriter,
    is_self_attribute,
    method_call,
    metric_field,
)
from lockless.codemod.breaker_shape import Group, ShapeError, Update
from lockless.codemod.breaker_syntax import (
    body_of,
    count_reads,
    count_self_reads,
    is_zero,
    line_like,
    names_only,
    single_target,
)
from lockless.codemod.breaker_transitions import (
    check_transition_alone,
    rewrite_transition,
)

_RECORD_METHODS = {
    "success": "record_success",
    "failure": "record_failure",
    "probe": "record_half_open_call",
}


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
        """The source line of ``node``, or of its first statement for a new line."""
        if node not in self.positions and isinstance(node, cst.SimpleStatementLine):
            node = node.body[0]
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
                check_transition_alone(self, run, statements)
                index = end
                continue
            result.extend(self._statement(statements[index], pending))
            index += 1
        return result

    # -- runs of breaker updates -------------------------------------------

    def run_updates(self, run: Sequence[cst.BaseStatement]) -> Group | None:
        """The counter group of a run, or None for a transition (or no updates)."""
        smalls = [self._breaker_update(s) for s in run]
        if any(s and self.target_is(s, self.names.state) for s in smalls):
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
        target = single_target(small)
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
        states = [s for s in smalls if s and self.target_is(s, self.names.state)]
        if states:
            return rewrite_transition(self, run, smalls, updates)
        if not updates:
            raise ShapeError(self.line(run[0]), _TIME_ALONE)
        group = Group(tuple(updates))
        kind = self.group_kind(group)
        call = self._record_call(kind, group)
        consumed = self._consumed_field(kind)
        return self._bind(run, call, consumed, rest, pending)

    def update_of(self, small: cst.BaseSmallStatement) -> Update | None:
        """The counter update ``small`` makes, or None when it is no counter update."""
        target = single_target(small)
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
        if isinstance(small, cst.Assign) and is_zero(small.value):
            return Update(field_name, "zero", line)
        where = f"self.{self.names.metrics}.{field_name}"
        raise ShapeError(line, f"{where} is changed in a way other than += or = 0")

    def group_kind(self, group: Group) -> str:
        """``success``, ``failure``, ``probe`` or ``reset``, checked with the roles."""
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
        reads = [count_reads(s, self.names.metrics, consumed) for s in rest]
        if consumed is None or not any(total for _, total in reads):
            return [line_like(run[0], cst.Expr(call))]
        if reads[0] == (1, 1) and not any(total for _, total in reads[1:]):
            pending[consumed] = call
            return []
        local = cst.Name(self.fresh(consumed))
        pending[consumed] = local
        assign = cst.Assign([cst.AssignTarget(local)], call)
        return [line_like(run[0], assign)]

    # -- transitions --------------------------------------------------------

    def target_is(self, small: cst.BaseSmallStatement, name: str | None) -> bool:
        target = single_target(small)
        return target is not None and is_self_attribute(target, name)

    # -- other statements ----------------------------------------------------

    def _statement(
        self, statement: cst.BaseStatement, pending: dict[str, cst.BaseExpression]
    ) -> list[cst.BaseStatement]:
        if isinstance(statement, cst.With) and self._is_lock_block(statement):
            self._locked += 1
            body = self.block(body_of(statement.body))
            self._locked -= 1
            if body:
                inner = getattr(body[0], "leading_lines", ())
                body[0] = body[0].with_changes(
                    leading_lines=[*statement.leading_lines, *inner]
                )
            return body
        opened_reads = count_self_reads(
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
            check_locked(self, statement)
        saved, self._outer = self._outer, names_only(pending)
        rewritten = self._rewrite_statement(statement, pending, local)
        self._outer = saved
        if any(not isinstance(v, cst.Name) for v in pending.values()):
            pending.clear()  # an inlined call is used by this statement only
        if not isinstance(local, cst.Name):
            return [rewritten]
        read = cst.Assign([cst.AssignTarget(local)], read_once)
        moved = rewritten.with_changes(leading_lines=[])
        return [line_like(statement, read), moved]

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
            check_simple(self, statement)
            new = statement.visit(self._reads(pending, local))
            assert isinstance(new, cst.BaseStatement)
            return new
        if isinstance(statement, cst.If):
            return self._rewrite_if(statement, pending, local)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            check_untouched(self, statement)
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
            orelse = self._rewrite_if(orelse, names_only(pending), None)
        elif isinstance(orelse, cst.Else):
            orelse = orelse.with_changes(body=self.suite(orelse.body))
        return statement.with_changes(
            test=test, body=self.suite(statement.body), orelse=orelse
        )

    def _rewrite_compound(
        self, statement: cst.BaseStatement, pending: Mapping[str, cst.BaseExpression]
    ) -> cst.BaseStatement:
        """Loops, ``try``, other ``with``: rewrite header reads, recurse into bodies."""
        rewriter = _SuiteRewriter(self, self._reads(pending, None))
        new = statement.visit(rewriter)
        assert isinstance(new, cst.BaseStatement)
        return new

    def suite(self, suite: cst.BaseSuite) -> cst.BaseSuite:
        """The rewritten block; a one-line block stays so if nothing in it changes."""
        if isinstance(suite, cst.IndentedBlock):
            return suite.with_changes(body=self.block(suite.body))
        assert isinstance(suite, cst.SimpleStatementSuite)
        # ``if x: y`` stays on one line unless its statements change.
        lines = [cst.SimpleStatementLine(body=[small]) for small in suite.body]
        rewritten = self.block(lines)
        if len(rewritten) == len(lines) and all(
            new.deep_equals(old) for new, old in zip(rewritten, lines)
        ):
            return suite
        return cst.IndentedBlock(body=rewritten)


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

    # The base class types on_leave with a type variable that no override can
    # meet while returning a node of a different class, as this one does.
    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        if isinstance(original_node, cst.BaseExpression):
            return original_node.visit(self._reads)
        return super().on_leave(original_node, updated_node)


_GROUP_SHAPE = (
    "these counter updates do not match a success (count it, zero the consecutive "
    "failures, add the duration) or a failure (count it, increment the consecutive "
    "failures, add the duration)"
)
_TIME_ALONE = "the opened-at time is stored without a state transition"
_RESET_ALONE = "half-open calls are reset without a state transition"
_LOCK_WITH_OTHERS = "the lock is entered together with other context managers"
