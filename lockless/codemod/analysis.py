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
- a ``return`` reads no counter that the same block updated, except exactly
  ``return self.f`` right after ``self.f += n`` (or ``self._stats.f``): any
  other result computed from an updated counter (``self.f * 10``,
  ``self.f == 0``, another field's update in between) would be a second read;
- amounts, stored values and conditions read no state of the owner, and an
  argument used in only one branch cannot fail (a name, a literal, a
  comparison), because the caller evaluates it whatever the branch;
- every field starts as a number (a literal, or a parameter with a number
  default or annotation), or as ``None`` and is only ever set to
  ``time.time()``-like or ``datetime.now()`` values (a timestamp);
- every amount added to an int field (one that starts as an int literal or is
  annotated ``int``) is known to be an int (``int_amounts`` has the rules: int
  literals, ``len()``, ``int`` parameters, locals only ever set to those, and
  ``+ - *`` of them); a float field takes any amount;
- every field is written only under this lock, or in ``__init__``; it is
  never deleted; a private field is not touched from outside the class, and
  a public one is not assigned from outside (it stays readable as a number
  through a property);
- the lock is created by the class itself (``threading.Lock()``,
  ``RLock()``, ``asyncio.Lock()``), used only in ``with`` statements, alone,
  never nested in or around another lock, never used from outside the class;
- an ``asyncio.Lock`` block contains no ``await``;
- a stats object never leaves the class except as a copy (in ``__init__``
  too, where only its construction may name it) and is never
  replaced after ``__init__`` except, under the lock, by a fresh object built
  exactly as ``__init__`` builds it with no arguments (a reset: each counter
  gets its initial value back, one field at a time; refused when a field is
  a time);
- no subclass in the module overrides a method that takes the lock, the
  owner does not copy itself (``__copy__``, ``copy.copy(self)``), and no
  other object's copy of a private counter is assigned or read;
- the owner never reaches its attributes by name anywhere in the class:
  ``vars(self)``, ``self.__dict__``, ``getattr(self, <computed name>)`` or
  ``getattr(self, "<counter>")``, ``setattr``/``delattr(self, ...)``,
  ``dataclasses.asdict(self)``/``astuple(self)`` (``__getstate__`` and
  ``__setstate__`` are refused as copy hooks above).

Next to a stats object, and with it only, the lock may also hold
(``kept_statements`` has the exact rules): stores of *flags*, owner
attributes only ever stored whole and never read with the lock held, in
blocks that update no counter; and, for an ``RLock``, argument-free calls of
owner methods whose whole body is a block on the same lock. Those blocks
lose their ``with`` and keep their statements.

Two relaxations apply to bare counters (``partial`` has the exact rules):
a lock that also guards other state keeps guarding it while the counter
updates move out of its blocks, when the only reasons against the group are
that other state and nothing under the lock ties it to a counter; and
several fields drained in one block by ``old, self.f = self.f, 0`` become one
``swap()`` each when no lock block updates two of them.

Refused (left byte-for-byte, ``Outcome.REFUSED``, one site per reason, at
the offending line) when any of them fails. Each condition has a passing and
a refused case under ``fixtures/``. The rewrite makes each counter exact but
a read of several of them is no longer one consistent cut; every site
reports that.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst

from lockless.codemod.blocks import classify_block
from lockless.codemod.checks import (
    check_copies,
    check_lock,
    check_lock_outside,
    check_public,
    check_stats_object,
    check_subclasses,
    check_writes,
)
from lockless.codemod.groups import (
    Group,
    ModuleFacts,
    block_context,
    block_statements,
    stats_construction,
    stats_type_name,
)
from lockless.codemod.introspection import check_introspection
from lockless.codemod.kept_statements import find_flags
from lockless.codemod.locks import ClassLocks, LockAttribute
from lockless.codemod.operations import LiveAssign, Refusal, ReturnCopy
from lockless.codemod.partial import (
    KeptBlock,
    is_partial_only,
    lift_unrelated_swaps,
    split_block,
)
from lockless.codemod.references import code_of, self_attribute
from lockless.codemod.scan import ClassScan, scan_class
from lockless.codemod.sites import Pattern

__all__ = [
    "Group",
    "ModuleFacts",
    "analyse_class",
    "block_statements",
    "guess_pattern",
    "stats_construction",
]


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
        if inherited_from is None and group.stats_attr is None:
            _keep_lock_for_other_state(group, stats_attrs, facts)
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
    flags = find_flags(scan, lock.name, keys) if stats_attr is not None else []
    keys = [k for k in keys if k not in flags]
    return Group(class_def, lock, scan, blocks, keys, stats_attr, flags=flags)


def _check(group: Group, stats_attrs: Collection[str], facts: ModuleFacts) -> None:
    """Fill ``group.refusals``: every reason the group cannot be rewritten."""
    check_lock(group)
    stats = facts.stats_classes.get(stats_type_name(group) or "")
    for block in group.blocks:
        context = block_context(group, block.method, stats_attrs, facts, stats)
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
    check_writes(group)
    check_stats_object(group, stats_attrs, facts, stats)
    check_subclasses(group, facts)
    check_public(group, facts)
    check_lock_outside(group, facts)
    check_copies(group, facts)
    check_introspection(group, facts)
    if group.stats_attr is None:
        blocks = [r.operations for r in group.results.values()]
        group.refusals = lift_unrelated_swaps(group.refusals, blocks)


def _keep_lock_for_other_state(
    group: Group, stats_attrs: Collection[str], facts: ModuleFacts
) -> None:
    """Move counters out of blocks that guard other state, if nothing ties them."""
    if not is_partial_only(group.refusals):
        return
    kept: dict[cst.With, KeptBlock] = {}
    refusals: list[Refusal] = []
    for block in group.blocks:
        if is_partial_only(group.results[block.statement].refusals):
            context = block_context(group, block.method, stats_attrs, facts, None)
            statements = block_statements(block.statement)
            split = split_block(
                block.statement, statements, context, group.scan.methods
            )
            if isinstance(split, KeptBlock):
                kept[block.statement] = split
            else:
                refusals.append(split)
    if refusals or not kept:
        group.refusals.extend(refusals)
        return
    group.kept_blocks = kept
    group.refusals = []


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
