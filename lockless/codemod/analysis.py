"""Decide, for each lock of each class, whether its statistics can go lock-free.

A *group* is one lock attribute of an owner class together with the fields
written while that lock is held (lexically, inside ``with self.<lock>:``, or
in a helper method called there). Fields are either bare attributes
(``self._hits``) or fields of one stats object (``self._stats.hits``). A lock
is a candidate only when something is counted under it; other locks are not
reported at all.

Safe (``Outcome.REWRITTEN``) when every one of these holds:

- every statement under the lock is a recognised update: ``f += n``,
  ``f -= n``, ``f = f + n``, ``f = value``, an ``if`` on local values whose
  branches are such updates, ``return f`` right after ``f += n``
  (add-and-get), a plain ``return f``, a ``return`` that reads counters one at
  a time (no operator takes two of them), or a copy of the stats object
  (``copy.copy``, ``dataclasses.replace``, a copy-only method) preceded by
  live fields assigned from other state;
- amounts, stored values and conditions read no state of the owner, and an
  argument used in only one branch cannot fail (a name, a literal, a
  comparison), because the caller evaluates it whatever the branch;
- every field starts as a number (a literal, or a parameter with a number
  default or annotation), or as ``None`` and is only ever set to
  ``time.time()``-like or ``datetime.now()`` values (a timestamp);
- every field is written only under this lock, or in ``__init__``; it is
  never deleted; a private field is not touched from outside the class, and
  a public one is not assigned from outside (it stays readable as a number
  through a property);
- the lock is created by the class itself (``threading.Lock()``,
  ``RLock()``, ``asyncio.Lock()``), used only in ``with`` statements, alone,
  never nested in or around another lock, never used from outside the class;
- an ``asyncio.Lock`` block contains no ``await``;
- a stats object never leaves the class except as a copy and is never
  replaced after ``__init__``;
- no subclass in the module overrides a method that takes the lock.

Refused (left byte-for-byte, ``Outcome.REFUSED``, one site per reason, at
the offending line) when any of them fails. Each condition has a passing and
a refused case under ``fixtures/``. The rewrite makes each counter exact but
a read of several of them is no longer one consistent cut; every site
reports that.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import libcst as cst

from lockless.codemod.blocks import (
    BlockContext,
    BlockResult,
    LiveAssign,
    Refusal,
    ReturnCopy,
    classify_block,
)
from lockless.codemod.locks import ClassLocks, LockAttribute
from lockless.codemod.references import FieldKey, code_of, field_text, self_attribute
from lockless.codemod.scan import Access, ClassScan, LockBlock, scan_class
from lockless.codemod.sites import Pattern
from lockless.codemod.stats_classes import StatsClass

LineOf = Callable[[cst.CSTNode], int]


@dataclass
class ModuleFacts:
    """What the analysis of one class needs to know about the rest of the module."""

    module: cst.Module
    line_of: LineOf
    stats_classes: dict[str, StatsClass]
    subclasses: dict[str, list[cst.ClassDef]]
    outside_writes: dict[str, list[int]]
    """Attribute names assigned on something other than ``self``, with lines."""
    outside_reads: dict[str, list[int]]
    """Attribute names read on something other than ``self``, with lines."""
    module_names: set[str]
    """Names bound at module level (imports, classes, functions, globals)."""
    column_of: Callable[[cst.CSTNode], int] = lambda node: 0
    """The 0-based column where ``node`` starts."""


@dataclass
class Group:
    """One lock of one owner class and the fields written under it."""

    owner: cst.ClassDef
    lock: LockAttribute
    scan: ClassScan
    blocks: list[LockBlock]
    fields: list[FieldKey]
    stats_attr: str | None
    results: dict[cst.With, BlockResult] = field(default_factory=dict)
    unlocked_readers: list[BlockResult] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    summary: str = ""
    """What the rewrite did, once it is planned."""

    @property
    def lock_text(self) -> str:
        return f"self.{self.lock.name}"


def analyse_class(
    class_def: cst.ClassDef,
    class_locks: ClassLocks,
    facts: ModuleFacts,
    *,
    inherited_from: str | None = None,
) -> list[Group]:
    """Every candidate group of ``class_def``, with its refusals filled in.

    With ``inherited_from``, the locks are created by that base class: the
    groups are analysed for their reasons but always refused, because the
    base class and its other subclasses share the lock.
    """
    stats_attrs = _stats_attributes(class_def, set(class_locks.locks))
    scan = scan_class(class_def, class_locks.locks, stats_attrs, facts.line_of)
    groups: list[Group] = []
    for lock in class_locks.locks.values():
        group = _group(class_def, lock, scan, stats_attrs)
        if group is None:
            continue
        _check(group, stats_attrs, facts)
        if inherited_from is not None:
            line = facts.line_of(group.blocks[0].statement) if group.blocks else 0
            group.refusals.append(
                Refusal(
                    line,
                    f"{group.lock_text} is created in base class {inherited_from}, "
                    f"which lockless does not rewrite from a subclass (line {line})",
                    "inherited",
                )
            )
        groups.append(group)
    return groups


def _group(
    class_def: cst.ClassDef,
    lock: LockAttribute,
    scan: ClassScan,
    stats_attrs: Collection[str],
) -> Group | None:
    blocks = [b for b in scan.blocks if b.lock == lock.name]
    not_fields = set(scan.methods)
    # Helpers called with the lock held update under it too (caller-held lock).
    helpers = {
        c.name
        for c in scan.self_calls
        if lock.name in c.held and c.name in scan.methods
    }
    written = [
        w.key
        for w in scan.writes
        if w.key and (lock.name in w.held or w.method in helpers)
    ]
    keys = [k for k in dict.fromkeys(written) if k[0] or k[1] not in not_fields]
    counting = any(_counts(b.statement) for b in blocks) or any(
        _counts(scan.methods[name]) for name in helpers
    )
    if not blocks and _counts(class_def):
        # Taken only through acquire()/release() or handed elsewhere.
        counting = any(u.name == lock.name for u in scan.lock_uses)
    if not counting:
        return None
    stats = sorted({k[0] for k in keys if k[0]})
    stats_attr = stats[0] if len(stats) == 1 else None
    return Group(class_def, lock, scan, blocks, keys, stats_attr)


def _check(group: Group, stats_attrs: Collection[str], facts: ModuleFacts) -> None:
    """Fill ``group.refusals``: every reason the group cannot be rewritten."""
    _check_lock(group)
    stats = facts.stats_classes.get(_stats_type(group) or "")
    for block in group.blocks:
        context = _block_context(group, block.method, stats_attrs, facts, stats)
        result = classify_block(block_statements(block.statement), context)
        group.results[block.statement] = result
        group.refusals.extend(result.refusals)
        if block.outer or block.items > 1:
            outer = ", ".join(f"self.{name}" for name in block.outer) or "another lock"
            line = facts.line_of(block.statement)
            group.refusals.append(
                Refusal(
                    line,
                    f"{group.lock_text} is taken while holding {outer} (line {line})",
                    "nested",
                )
            )
    _check_writes(group)
    _check_stats_object(group, stats_attrs, facts, stats)
    _check_subclasses(group, facts)
    _check_public(group, facts)
    _check_lock_outside(group, facts)


def block_statements(statement: cst.With) -> list[cst.BaseStatement]:
    """The statements inside a ``with`` block, one-line bodies included."""
    body = statement.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    assert isinstance(body, cst.IndentedBlock)
    return list(body.body)


def _check_lock(group: Group) -> None:
    lock = group.lock
    if lock.supplied_by_caller:
        group.refusals.append(
            Refusal(
                lock.line,
                f"{group.lock_text} is supplied by the caller (line {lock.line})",
                "supplied",
            )
        )
    for use in group.scan.lock_uses:
        if use.name != lock.name:
            continue
        how = _lock_use(lock.name, use)
        group.refusals.append(
            Refusal(use.line, f"{group.lock_text} {how} (line {use.line})", how)
        )


def _lock_use(name: str, use: Access) -> str:
    text = code_of(use.statement) if use.statement is not None else ""
    if f"self.{name}.acquire" in text or f"self.{name}.release" in text:
        return "is used with acquire()/release()"
    if "Condition(" in text:
        return "is wrapped in a Condition"
    if isinstance(use.statement, cst.Return):
        return "is returned"
    if isinstance(use.statement, (cst.Assign, cst.AnnAssign)):
        return "is stored elsewhere"
    return "is passed elsewhere"


def _block_context(
    group: Group,
    method: str,
    stats_attrs: Collection[str],
    facts: ModuleFacts,
    stats: StatsClass | None,
) -> BlockContext:
    return BlockContext(
        lock=group.lock_text,
        method=method,
        fields=group.fields,
        stats_attrs=stats_attrs,
        line_of=facts.line_of,
        resetters=stats.resetters if stats else {},
        copiers=stats.copiers if stats else (),
    )


def _check_writes(group: Group) -> None:
    """Every field is written under this lock or in the constructor, nowhere else."""
    lock = group.lock.name
    for write in group.scan.writes:
        if write.key not in group.fields or lock in write.held:
            continue
        if write.method == "__init__" and not write.held:
            continue
        text = field_text(write.key)
        if write.held:
            other = f"self.{write.held[-1]}"
            reason = f"{text} is also written under {other} (line {write.line})"
        else:
            caller = _caller_holding(group, write.method)
            if caller is not None:
                reason = (
                    f"{text} is updated in {write.method}(), which {caller}() "
                    f"calls holding {group.lock_text} (line {write.line})"
                )
            else:
                reason = (
                    f"{text} is written outside the lock in {write.method}() "
                    f"(line {write.line})"
                )
        group.refusals.append(Refusal(write.line, reason, f"outside:{text}"))


def _caller_holding(group: Group, method: str) -> str | None:
    for call in group.scan.self_calls:
        if call.name == method and group.lock.name in call.held:
            return call.method
    return None


def _check_stats_object(
    group: Group,
    stats_attrs: Collection[str],
    facts: ModuleFacts,
    stats: StatsClass | None,
) -> None:
    stats_keys = {k[0] for k in group.fields if k[0]}
    bare = [k for k in group.fields if not k[0] and k[1] not in stats_keys]
    if len(stats_keys) > 1 or (stats_keys and bare):
        names = ", ".join(field_text(k) for k in bare) or "another stats object"
        stats_text = ", ".join(f"self.{k}" for k in sorted(stats_keys))
        line = min(
            (w.line for w in group.scan.writes if w.key in bare and w.held),
            default=group.lock.line,
        )
        group.refusals.append(
            Refusal(
                line,
                f"{group.lock_text} guards {names} as well as {stats_text} "
                f"(line {line})",
                "mixed",
            )
        )
        return
    attr = group.stats_attr
    if attr is None:
        return
    for use in group.scan.stats_uses:
        if use.name != attr or use.method == "__init__":
            continue
        if _is_copy_reader(group, use, stats_attrs, facts, stats):
            continue
        group.refusals.append(
            Refusal(
                use.line,
                f"self.{attr} escapes the class (line {use.line})",
                f"escapes:{attr}",
            )
        )
    for read in group.scan.reads:
        if read.key and read.key[0] == attr and group.lock.name not in read.held:
            text = field_text(read.key)
            group.refusals.append(
                Refusal(
                    read.line,
                    f"{text} is read outside the lock (line {read.line})",
                    f"unlocked-read:{text}",
                )
            )


def _is_copy_reader(
    group: Group,
    use: Access,
    stats_attrs: Collection[str],
    facts: ModuleFacts,
    stats: StatsClass | None,
) -> bool:
    """``use`` is the argument of a copy that a reader returns."""
    statement = use.statement
    if not isinstance(statement, cst.Return):
        return False
    in_block = group.lock.name in use.held
    context = _block_context(group, use.method, stats_attrs, facts, stats)
    result = classify_block([cst.SimpleStatementLine(body=[statement])], context)
    copies = [op for op in result.operations if isinstance(op, ReturnCopy)]
    if copies and not in_block:
        group.unlocked_readers.append(result)
    return bool(copies)


def _check_subclasses(group: Group, facts: ModuleFacts) -> None:
    locked = {b.method for b in group.blocks}
    for subclass in facts.subclasses.get(group.owner.name.value, []):
        for statement in subclass.body.body:
            if (
                isinstance(statement, cst.FunctionDef)
                and statement.name.value in locked
            ):
                line = facts.line_of(statement)
                name = subclass.name.value
                method = statement.name.value
                group.refusals.append(
                    Refusal(
                        line,
                        f"subclass {name} overrides {method}() (line {line})",
                        f"subclass:{name}.{method}",
                    )
                )


def _check_lock_outside(group: Group, facts: ModuleFacts) -> None:
    """Code outside the class that touches the lock may hold it around anything."""
    name = group.lock.name
    for line in facts.outside_reads.get(name, []) + facts.outside_writes.get(name, []):
        group.refusals.append(
            Refusal(
                line,
                f"{group.lock_text} is used from outside the class (line {line})",
                "lock-outside",
            )
        )


def _check_public(group: Group, facts: ModuleFacts) -> None:
    """A public bare counter must not be assigned from outside the class."""
    for key in group.fields:
        if key[0]:
            continue
        if key[1].startswith("_"):
            for line in facts.outside_reads.get(key[1], []):
                group.refusals.append(
                    Refusal(
                        line,
                        f"self.{key[1]} is used from outside the class (line {line})",
                        f"private:{key[1]}",
                    )
                )
            continue
        for line in facts.outside_writes.get(key[1], []):
            group.refusals.append(
                Refusal(
                    line,
                    f"public attribute {key[1]} is assigned outside the class "
                    f"(line {line})",
                    f"public:{key[1]}",
                )
            )
        private = f"_{key[1]}"
        taken = private in group.scan.class_defaults or any(
            a.name == private for a in group.scan.reads + group.scan.writes
        )
        if taken:
            line = group.lock.line
            group.refusals.append(
                Refusal(
                    line,
                    f"self.{private} is taken, so public self.{key[1]} cannot "
                    f"keep a property (line {line})",
                    f"public-name:{key[1]}",
                )
            )


def guess_pattern(group: Group) -> Pattern:
    """The pattern a group looks like, for reporting."""
    if group.stats_attr is not None:
        construction = stats_construction(group)
        operations = [op for r in group.results.values() for op in r.operations]
        if any(
            isinstance(op, LiveAssign) or (isinstance(op, ReturnCopy) and op.live)
            for op in operations
        ):
            return Pattern.LIVE_VALUES
        if construction is not None and construction.args:
            return Pattern.IDENTITY
        return Pattern.COUNTERS
    stored_only = [
        key
        for key in group.fields
        if not any(
            w.key == key and _is_addition(w.statement) for w in group.scan.writes
        )
    ]
    if group.fields and len(stored_only) == len(group.fields):
        return Pattern.TIMESTAMP
    return Pattern.COUNTERS


def _is_addition(statement: cst.BaseSmallStatement | None) -> bool:
    if isinstance(statement, cst.AugAssign):
        return True
    return isinstance(statement, cst.Assign) and isinstance(
        statement.value, cst.BinaryOperation
    )


def _stats_type(group: Group) -> str | None:
    """The name of the class the stats attribute is constructed from."""
    if group.stats_attr is None:
        return None
    construction = stats_construction(group)
    if construction is None:
        return None
    return code_of(construction.func)


def stats_construction(group: Group) -> cst.Call | None:
    """The ``Stats(...)`` call assigned to the stats attribute in ``__init__``."""
    for write in group.scan.writes:
        if (
            write.method == "__init__"
            and write.key == ("", group.stats_attr)
            and isinstance(write.statement, cst.Assign)
            and isinstance(write.statement.value, cst.Call)
        ):
            return write.statement.value
    return None


def _stats_attributes(class_def: cst.ClassDef, locks: Collection[str]) -> set[str]:
    """Attributes built by a call in ``__init__`` whose fields are counted."""
    constructed: set[str] = set()
    counted: set[str] = set()

    class _Finder(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            self._method = node.name.value

        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                name = self_attribute(target.target)
                if (
                    name is not None
                    and getattr(self, "_method", "") == "__init__"
                    and isinstance(node.value, cst.Call)
                    and name not in locks
                ):
                    constructed.add(name)
                if isinstance(target.target, cst.Attribute):
                    owner = self_attribute(target.target.value)
                    if owner is not None and isinstance(
                        node.value, cst.BinaryOperation
                    ):
                        counted.add(owner)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Attribute):
                owner = self_attribute(node.target.value)
                if owner is not None:
                    counted.add(owner)

    class_def.body.visit(_Finder())
    return constructed & counted


def _counts(statement: cst.CSTNode) -> bool:
    """Whether anything is counted in ``statement``: ``+=``, ``x = x + n``, a bucket."""
    found = False

    class _Counting(cst.CSTVisitor):
        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            nonlocal found
            found = found or isinstance(
                node.operator, (cst.AddAssign, cst.SubtractAssign)
            )

        def visit_Assign(self, node: cst.Assign) -> None:
            nonlocal found
            value = node.value
            if isinstance(value, cst.BinaryOperation) and isinstance(
                value.operator, (cst.Add, cst.Subtract)
            ):
                target = code_of(node.targets[0].target)
                found = (
                    found
                    or code_of(value.left) == target
                    or (isinstance(node.targets[0].target, cst.Subscript))
                )
            if isinstance(value, cst.Call) and code_of(value.func).startswith("time."):
                found = True
            if isinstance(value, cst.Call) and "datetime" in code_of(value.func):
                found = True

    statement.visit(_Counting())
    return found
