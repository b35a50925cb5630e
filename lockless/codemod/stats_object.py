"""Edits for counters kept in a stats object (``self._stats.hits += 1``).

The stats object becomes an instance of a generated ``Atomic<Stats>`` class:
one runtime atomic per updated field, one ``record_*`` method per distinct
update block (see ``naming`` for the names), identity fields passed to its
constructor, and ``snapshot()`` that builds the unchanged stats type, taking
live values (fields the reader filled from other objects) as keyword
parameters evaluated by the caller with no lock held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from lockless.codemod.analysis import Group, ModuleFacts, stats_construction
from lockless.codemod.arguments import cannot_fail, signed, split_arguments
from lockless.codemod.fields import FieldTypeError, choose_atomic
from lockless.codemod.int_amounts import int_amount_refusals
from lockless.codemod.locks import lock_annotations
from lockless.codemod.naming import (
    atomic_class_name,
    record_method_name,
    storage_name,
    unique_name,
)
from lockless.codemod.operations import (
    Conditional,
    KeptStatement,
    LiveAssign,
    Operation,
    Refusal,
    ResetStats,
    ReturnCopy,
    ReturnField,
    Update,
    updates_of,
)
from lockless.codemod.plan import (
    AtomicField,
    EditPlan,
    GeneratedClass,
    Parameter,
    RecordMethod,
)
from lockless.codemod.references import code_of, mentions_self
from lockless.codemod.render import LINE_LENGTH
from lockless.codemod.stats_classes import StatsClass, StatsField


def plan_stats_object(
    group: Group, facts: ModuleFacts, plan: EditPlan
) -> list[Refusal]:
    """Add the edits for ``group`` to ``plan``, or return why it cannot be done."""
    construction = stats_construction(group)
    attr = group.stats_attr
    line = group.lock.line
    if construction is None or attr is None:
        return [_refusal(line, "the stats object is not built in __init__", "build")]
    stats_type = code_of(construction.func)
    known = facts.stats_classes.get(stats_type)
    generated = {c.name for classes in plan.before_class.values() for c in classes}
    refusals = _check_type(stats_type, known, construction, group, facts)
    if atomic_class_name(stats_type) in generated:
        line = facts.line_of(construction)
        what = f"{atomic_class_name(stats_type)} is already generated for another owner"
        refusals.append(_refusal(line, what, "generated"))
    if refusals:
        return refusals
    builder = _ClassBuilder(group, attr, stats_type, known, facts)
    refusals = builder.build()
    if refusals:
        return refusals
    edits = builder.edits
    edits.expressions[construction.func] = builder.name
    edits.small[group.lock.statement] = None
    for annotation in lock_annotations(group.owner, group.lock.name):
        edits.small[annotation] = None
    edits.removed_locks.add(group.lock.kind)
    edits.before_class[group.owner] = [builder.generated()]
    plan.merge(edits)
    group.summary = (
        f"self.{attr} is now an {builder.name}; {group.lock_text} is removed; "
        "snapshot() reads each counter once, not all of them at one instant"
    )
    if builder.resets:
        group.summary += (
            "; reset() stores each counter's initial value one field at a time "
            "(relaxed), so a reset racing with updates may keep some of them"
        )
    if group.flags:
        flags = ", ".join(f"self.{k[1]}" for k in group.flags)
        verb = "stays a plain store" if len(group.flags) == 1 else "stay plain stores"
        group.summary += f"; {flags} {verb}, read without the lock as before"
    if known is None:
        group.summary += (
            f"; {stats_type} is imported, so its fields were inferred from their "
            "use here: check that snapshot() passes every field it needs"
        )
    return []


def _refusal(line: int, what: str, key: str) -> Refusal:
    return Refusal(line, f"{what} (line {line})", key)


def _check_type(
    stats_type: str,
    known: StatsClass | None,
    construction: cst.Call,
    group: Group,
    facts: ModuleFacts,
) -> list[Refusal]:
    line = facts.line_of(construction)
    refusals: list[Refusal] = []
    if atomic_class_name(stats_type) in facts.module_names:
        what = f"{atomic_class_name(stats_type)} is already defined in the module"
        refusals.append(_refusal(line, what, "name"))
    if known is not None and not known.keyword_constructible:
        what = f"{stats_type} cannot be rebuilt from keyword fields"
        refusals.append(_refusal(line, what, "rebuild"))
    for arg in construction.args:
        if arg.keyword is None:
            what = f"{stats_type} is built with positional arguments"
            refusals.append(_refusal(line, what, "positional"))
        elif (group.stats_attr, arg.keyword.value) in group.fields:
            what = (
                f"{stats_type}.{arg.keyword.value} is set at construction and updated"
            )
            refusals.append(_refusal(line, what, "identity"))
    return refusals


@dataclass
class _Method:
    parameters: list[Parameter] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    returns: str = "None"


class _ClassBuilder:
    """Collects the generated class and the owner's edits, block by block."""

    def __init__(
        self,
        group: Group,
        attr: str,
        stats_type: str,
        known: StatsClass | None,
        facts: ModuleFacts,
    ) -> None:
        self.group = group
        self.attr = attr
        self.stats_type = stats_type
        self.known = known
        self.facts = facts
        self.name = atomic_class_name(stats_type)
        self.edits = EditPlan()
        self.atomics: dict[str, AtomicField] = {}
        self.live: dict[str, Parameter] = {}
        self.methods: dict[tuple[str, ...], RecordMethod] = {}
        self.refusals: list[Refusal] = []
        self._current_method = ""
        self._in_branch = 0
        self.resets = False

    def build(self) -> list[Refusal]:
        operations = [op for r in self.group.results.values() for op in r.operations]
        fields = [k for k in self.group.fields if k != ("", self.attr)]
        for key in sorted(fields, key=lambda k: self._order(k[1])):
            updates = updates_of(key, operations)
            if any(isinstance(op, LiveAssign) and op.key == key for op in operations):
                if updates:
                    line = self.group.lock.line
                    what = f"self.{self.attr}.{key[1]} is both counted and filled live"
                    self.refusals.append(_refusal(line, what, f"live:{key[1]}"))
                continue
            self._add_atomic(key[1], updates)
        counters = [
            (self.attr, name)
            for name, atomic in self.atomics.items()
            if atomic.atomic == "AtomicCounter"
        ]
        line_of = self.facts.line_of
        self.refusals.extend(int_amount_refusals(self.group, counters, line_of))
        if self.refusals:
            return self.refusals
        for block in self.group.blocks:
            self._current_method = block.method
            self._plan_block(
                block.statement, self.group.results[block.statement].operations
            )
        for reader in self.group.unlocked_readers:
            for op in reader.operations:
                if isinstance(op, ReturnCopy):
                    self.edits.small[op.statement] = self._snapshot_call({}, op)
        return self.refusals

    def _order(self, name: str) -> int:
        """Where ``name`` is declared in the stats type; unknown fields go last."""
        names = list(self.known.fields) if self.known else []
        return names.index(name) if name in names else len(names)

    def _field(self, name: str) -> StatsField | None:
        return self.known.fields.get(name) if self.known else None

    def _add_atomic(self, name: str, updates: Sequence[Update]) -> None:
        info = self._field(name)
        default = cst.parse_expression(info.default) if info and info.default else None
        if isinstance(default, cst.Call):
            line = self.group.lock.line
            what = f"the default of {self.stats_type}.{name} is not a plain value"
            self.refusals.append(_refusal(line, what, f"default:{name}"))
            return
        annotation = info.annotation if info else None
        try:
            text = f"self.{self.attr}.{name}"
            atomic = choose_atomic(text, default, annotation, updates)
        except FieldTypeError as error:
            line = self.group.lock.line
            self.refusals.append(_refusal(line, str(error), f"type:{name}"))
            return
        self.atomics[name] = atomic
        self.edits.runtime_names.add(atomic.atomic)

    def _plan_block(self, statement: cst.With, operations: Sequence[Operation]) -> None:
        line = self.facts.line_of(statement)
        copies = [op for op in operations if isinstance(op, ReturnCopy)]
        if copies:
            live = {
                op.key[1]: op.value for op in operations if isinstance(op, LiveAssign)
            }
            if len(live) + 1 != len(operations):
                what = "a lock block both updates and copies the stats"
                self.refusals.append(_refusal(line, what, "mixed-block"))
                return
            call = self._snapshot_call(live, copies[0])
            self.edits.compound[statement] = self._wrapped(call, statement)
            return
        if any(isinstance(op, (KeptStatement, ResetStats)) for op in operations):
            self._plan_unlocked_block(statement, operations, line)
            return
        method = _Method()
        if not self._add_operations(operations, method, "", line):
            return
        name = self._record_method(method, _updated_fields(operations))
        call = f"self.{self.attr}.{name}({', '.join(method.arguments)})"
        returns = method.returns != "None"
        code = f"return {call}" if returns else call
        self.edits.compound[statement] = self._wrapped(code, statement)

    def _plan_unlocked_block(
        self, statement: cst.With, operations: Sequence[Operation], line: int
    ) -> None:
        """A block of flag stores, relocking calls and resets loses its ``with``."""
        if not all(isinstance(op, (KeptStatement, ResetStats)) for op in operations):
            what = "a lock block both updates counters and stores other state"
            self.refusals.append(_refusal(line, what, "mixed-kept"))
            return
        self.edits.compound[statement] = None
        for op in operations:
            if isinstance(op, ResetStats):
                kinds = {a.atomic for a in self.atomics.values()}
                if not kinds <= {"AtomicCounter", "AtomicFloat"}:
                    what = "the stats object is replaced, and it holds times"
                    self.refusals.append(_refusal(line, what, "reset-times"))
                    return
                self.edits.small[op.statement] = f"self.{self.attr}.reset()"
                self.resets = True

    def _wrapped(self, code: str, statement: cst.With) -> str:
        """``code`` with one argument a line when it would pass the line length."""
        depth = self.facts.column_of(statement) // 4
        indent = "    " * depth
        if len(indent) + len(code) <= LINE_LENGTH or not code.endswith(")"):
            return code
        head, _, arguments = code[:-1].partition("(")
        parts = split_arguments(arguments)
        if len(parts) < 2:
            return code
        # Continuation lines are relative: libcst adds the block's indentation.
        inner = "".join(f"    {part},\n" for part in parts)
        return f"{head}(\n{inner})"

    def _snapshot_call(
        self, live: dict[str, cst.BaseExpression], copy: ReturnCopy
    ) -> str:
        values = dict(live)
        values.update(dict(copy.live))
        for name in values:
            info = self._field(name)
            if self.known is not None and info is None:
                line = self.facts.line_of(copy.statement)
                what = f"{self.stats_type} has no field {name} to fill live"
                self.refusals.append(_refusal(line, what, f"unknown-live:{name}"))
            annotation = info.annotation if info and info.annotation else "int"
            self.live.setdefault(name, Parameter(name, annotation))
        arguments = ", ".join(f"{k}={code_of(v)}" for k, v in values.items())
        return f"return self.{self.attr}.snapshot({arguments})"

    def _add_operations(
        self, operations: Sequence[Operation], method: _Method, indent: str, line: int
    ) -> bool:
        previous: Operation | None = None
        for op in operations:
            if isinstance(op, Update):
                method.lines.append(indent + self._update_line(op, method))
            elif isinstance(op, Conditional):
                test = self._argument(op.test, "condition", "bool", method)
                method.lines.append(f"{indent}if {test}:")
                # Arguments used in one branch are evaluated by the caller
                # whatever the branch: they must not be able to fail.
                self._in_branch += 1
                self._add_operations(op.body, method, indent + "    ", line)
                if op.orelse:
                    method.lines.append(f"{indent}else:")
                    self._add_operations(op.orelse, method, indent + "    ", line)
                self._in_branch -= 1
            elif isinstance(op, ReturnField) and self._returns_added(previous, op):
                assert isinstance(previous, Update)
                method.lines[-1] = indent + self._add_and_get_line(previous, method)
                method.returns = "int"
            else:
                what = "a lock block reads a stats field by itself"
                self.refusals.append(_refusal(line, what, "single-read"))
                return False
            previous = op
        return True

    def _returns_added(self, previous: Operation | None, op: ReturnField) -> bool:
        atomic = self.atomics.get(op.key[1])
        return (
            isinstance(previous, Update)
            and previous.key == op.key
            and not previous.store
            and atomic is not None
            and atomic.atomic == "AtomicCounter"
        )

    def _update_line(self, update: Update, method: _Method) -> str:
        atomic = self.atomics[update.key[1]]
        target = f"self.{storage_name(update.key[1])}"
        kind = atomic.value_type
        if update.store:
            value = self._argument(update.value, update.key[1], kind, method)
            return f"{target}.store({value})"
        if code_of(update.value) == "1" and atomic.atomic == "AtomicCounter":
            return f"{target}.dec()" if update.negate else f"{target}.inc()"
        amount = self._argument(update.value, "amount", kind, method)
        return f"{target}.add({signed(amount, update.negate)})"

    def _add_and_get_line(self, update: Update, method: _Method) -> str:
        target = f"self.{storage_name(update.key[1])}"
        amount = self._argument(update.value, "amount", "int", method)
        return f"return {target}.add_and_get({signed(amount, update.negate)})"

    def _argument(
        self, value: cst.BaseExpression, fallback: str, annotation: str, method: _Method
    ) -> str:
        """Code for ``value`` inside the method: inline, or a new parameter."""
        if self._inlinable(value):
            return code_of(value)
        text = code_of(value)
        if self._in_branch and not cannot_fail(value):
            line = self.facts.line_of(value)
            what = (
                f"`{text}` is evaluated only in one branch under the lock; "
                "as an argument it would always be evaluated"
            )
            self.refusals.append(_refusal(line, what, f"branch:{text}"))
        if text in method.arguments:
            return method.parameters[method.arguments.index(text)].name
        base = value.value if isinstance(value, cst.Name) else fallback
        taken = [p.name for p in method.parameters] + ["self"]
        name = unique_name(base, taken)
        method.parameters.append(Parameter(name, annotation))
        method.arguments.append(text)
        return name

    def _inlinable(self, value: cst.BaseExpression) -> bool:
        """Literals and calls on module-level names (``time.time()``) stay inline."""
        if mentions_self(value):
            return False
        names: list[str] = []

        class _Names(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:
                names.append(node.value)

            def visit_Attribute(self, node: cst.Attribute) -> bool:
                node.value.visit(self)
                return False

        value.visit(_Names())
        return all(n in self.facts.module_names for n in names)

    def _record_method(self, method: _Method, fields: Sequence[str]) -> str:
        signature = tuple(method.lines) + tuple(f"{p}" for p in method.parameters)
        existing = self.methods.get(signature)
        if existing is not None:
            return existing.name
        owner_method = self._current_method
        taken = [m.name for m in self.methods.values()]
        name = record_method_name(owner_method, fields, taken)
        self.methods[signature] = RecordMethod(
            name, tuple(method.parameters), tuple(method.lines), method.returns
        )
        return name

    def generated(self) -> GeneratedClass:
        identity = tuple(
            Parameter(arg.keyword.value, self._identity_type(arg.keyword.value))
            for arg in _construction_args(self.group)
            if arg.keyword is not None
        )
        values = [
            (f.name, f"self.{storage_name(f.name)}.load()")
            for f in self.atomics.values()
        ]
        values += [(p.name, f"self.{p.name}") for p in identity]
        values += [(p.name, p.name) for p in self.live.values()]
        values.sort(key=lambda pair: self._order(pair[0]))
        return GeneratedClass(
            name=self.name,
            stats_type=self.stats_type,
            owner=self.group.owner.name.value,
            lock=self.group.lock_text,
            counters=tuple(self.atomics.values()),
            identity=identity,
            live=tuple(self.live.values()),
            methods=tuple(self.methods.values()),
            snapshot_fields=tuple(values),
            resets=self._resets(),
        )

    def _resets(self) -> tuple[tuple[str, str], ...]:
        """Each counter's storage and initial value, when ``reset()`` is needed."""
        if not self.resets:
            return ()
        return tuple((storage_name(f.name), f.arguments) for f in self.atomics.values())

    def _identity_type(self, name: str) -> str:
        info = self._field(name)
        return info.annotation if info and info.annotation else "object"


def _updated_fields(operations: Sequence[Operation]) -> list[str]:
    """The stats fields a block updates, once each, in source order."""
    names: list[str] = []
    for op in operations:
        if isinstance(op, Update):
            names.append(op.key[1])
        elif isinstance(op, Conditional):
            names.extend(_updated_fields([*op.body, *op.orelse]))
    return list(dict.fromkeys(names))


def _construction_args(group: Group) -> Sequence[cst.Arg]:
    construction = stats_construction(group)
    return construction.args if construction is not None else ()
