"""The checks that give a group its refusals, one concern each.

Each ``check_*`` adds ``Refusal`` entries to ``group.refusals``: how the lock
is used, where fields are written, whether the stats object stays inside the
class, and what the rest of the module does with the owner's attributes.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst

from lockless.codemod.blocks import classify_block
from lockless.codemod.groups import Group, ModuleFacts, block_context
from lockless.codemod.operations import Refusal, ReturnCopy
from lockless.codemod.references import code_of, field_text
from lockless.codemod.scan import Access
from lockless.codemod.stats_classes import StatsClass


def check_lock(group: Group) -> None:
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
    statement = use.statement
    value = getattr(statement, "value", None)
    if value is None or code_of(value) != f"self.{name}":
        return "is passed elsewhere"
    if isinstance(statement, cst.Return):
        return "is returned"
    return "is stored elsewhere"


def check_writes(group: Group) -> None:
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


def check_stats_object(
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
    # Uses in ``__init__`` count too: only the construction is an assignment.
    for use in group.scan.stats_uses:
        if use.name != attr:
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
    context = block_context(group, use.method, stats_attrs, facts, stats)
    result = classify_block([cst.SimpleStatementLine(body=[statement])], context)
    copies = [op for op in result.operations if isinstance(op, ReturnCopy)]
    if copies and not in_block:
        group.unlocked_readers.append(result)
    return bool(copies)


def check_subclasses(group: Group, facts: ModuleFacts) -> None:
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


def check_lock_outside(group: Group, facts: ModuleFacts) -> None:
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


def check_public(group: Group, facts: ModuleFacts) -> None:
    """A public bare counter must not be assigned from outside the class."""
    for key in group.fields:
        if key[0]:
            continue
        if key[1].startswith("_"):
            used = facts.outside_reads.get(key[1], []) + facts.outside_writes.get(
                key[1], []
            )
            for line in sorted(used):
                group.refusals.append(
                    Refusal(
                        line,
                        f"self.{key[1]} is also used through another object "
                        f"(line {line})",
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


_COPY_HOOKS = ("__copy__", "__deepcopy__", "__getstate__", "__setstate__", "__reduce__")


def check_copies(group: Group, facts: ModuleFacts) -> None:
    """An owner that copies itself would share its atomics between the copies."""
    for name in _COPY_HOOKS:
        method = group.scan.methods.get(name)
        if method is not None:
            line = facts.line_of(method)
            group.refusals.append(
                Refusal(
                    line,
                    f"{group.owner.name.value} defines {name}(), and copies would "
                    f"share the atomics (line {line})",
                    "copies",
                )
            )
    for call in _self_copies(group.owner):
        line = facts.line_of(call)
        group.refusals.append(
            Refusal(
                line,
                f"{group.owner.name.value} copies itself, and the copy would "
                f"share the atomics (line {line})",
                "copies",
            )
        )


def _self_copies(class_def: cst.ClassDef) -> list[cst.Call]:
    found: list[cst.Call] = []

    class _Copies(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = code_of(node.func)
            if (
                func in ("copy", "copy.copy", "replace", "dataclasses.replace")
                and node.args
                and code_of(node.args[0].value) == "self"
            ):
                found.append(node)

    class_def.body.visit(_Copies())
    return found
