"""Edits for counters kept as bare attributes of the owner (``self._hits += 1``).

Each field becomes a runtime atomic created where the field was initialised;
each lock block is unwrapped and its updates become ``inc()``, ``add(n)``,
``store(v)`` or ``add_and_get(n)``; every other read becomes ``load()``. A
public field keeps reading as a number through a property of its name, backed
by a private atomic.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from lockless.codemod.analysis import Group, ModuleFacts
from lockless.codemod.fields import (
    FieldTypeError,
    choose_atomic,
    is_number,
)
from lockless.codemod.int_amounts import int_amount_refusals
from lockless.codemod.locks import lock_annotations
from lockless.codemod.operations import (
    Conditional,
    Operation,
    Refusal,
    ReturnField,
    Swap,
    Update,
    updates_of,
)
from lockless.codemod.partial import KeptBlock, kept_texts
from lockless.codemod.plan import AtomicField, EditPlan
from lockless.codemod.references import FieldKey, code_of, field_text

_EMPTY_MODULE = cst.Module(body=[])
_SIMPLE_AMOUNTS = (cst.Name, cst.Integer, cst.Float, cst.Attribute, cst.Call)


def plan_bare_fields(group: Group, facts: ModuleFacts, plan: EditPlan) -> list[Refusal]:
    """Add the edits for ``group`` to ``plan``, or return why it cannot be done."""
    edits = EditPlan()
    refusals: list[Refusal] = []
    operations = [op for result in group.results.values() for op in result.operations]
    atomics: dict[FieldKey, AtomicField] = {}
    for key in group.fields:
        atomic = _create_field(group, key, operations, edits, refusals)
        if atomic is not None:
            atomics[key] = atomic
    for result in group.results.values():
        _rewrite_operations(result.operations, atomics, edits, refusals, facts)
    counters = [k for k, a in atomics.items() if a.atomic == "AtomicCounter"]
    refusals.extend(int_amount_refusals(group, counters, facts.line_of))
    if refusals:
        return refusals
    for statement in group.results:
        kept = group.kept_blocks.get(statement)
        if kept is None:
            edits.compound[statement] = None
        elif kept.moved:
            edits.compound[statement] = _kept_block_code(statement, kept, edits)
    for read in group.scan.reads:
        if read.key in atomics:
            edits.expressions.setdefault(read.node, f"self.{_storage(read.key)}.load()")
    if not group.kept_blocks:
        edits.small[group.lock.statement] = None
        for annotation in lock_annotations(group.owner, group.lock.name):
            edits.small[annotation] = None
        edits.removed_locks.add(group.lock.kind)
    plan.merge(edits)
    group.summary = _summary(group, atomics)
    return []


def _kept_block_code(statement: cst.With, kept: KeptBlock, edits: EditPlan) -> str:
    """The ``with`` holding only the other state, with the updates moved out."""
    moved = [_moved_code(line, edits) for line in kept.moved]
    if not kept.kept:
        return "\n".join(moved)
    body = statement.body
    assert isinstance(body, cst.IndentedBlock)
    block = statement.with_changes(
        leading_lines=[], body=body.with_changes(body=kept.kept)
    )
    text = _EMPTY_MODULE.code_for_node(block).rstrip("\n")
    parts = [*moved, text] if kept.before else [text, *moved]
    return "\n".join(parts)


def _moved_code(line: cst.SimpleStatementLine, edits: EditPlan) -> str:
    """A moved update as rewritten code, its comment lines kept above it."""
    code = edits.small[line.body[0]]
    assert code is not None
    comments = [f"{e.comment.value}\n" for e in line.leading_lines if e.comment]
    return "".join(comments) + code


def _summary(group: Group, atomics: dict[FieldKey, AtomicField]) -> str:
    moved = ", ".join(
        f"{field_text(k)} is now an {a.atomic}" for k, a in atomics.items()
    )
    if group.kept_blocks:
        kept = kept_texts(list(group.kept_blocks.values()), group.fields)
        what = ", ".join(kept) or "the other work under it"
        return f"{moved}; {group.lock_text} stays for {what}"
    summary = f"{moved}; {group.lock_text} is removed"
    if len(atomics) > 1:
        summary += "; reading several is no longer one consistent cut"
    return summary


def _storage(key: FieldKey) -> str:
    """A public field's atomic lives in ``_<name>``; a private one keeps its name."""
    name = key[1]
    return name if name.startswith("_") else f"_{name}"


def _create_field(
    group: Group,
    key: FieldKey,
    operations: Sequence[Operation],
    edits: EditPlan,
    refusals: list[Refusal],
) -> AtomicField | None:
    """Plan where the field's atomic is created; ``None`` after a refusal."""
    text = field_text(key)
    inits = [
        w
        for w in group.scan.writes
        if w.key == key and w.method == "__init__" and not w.held
    ]
    default = group.scan.class_defaults.get(key[1])
    init_method = group.scan.methods.get("__init__")
    line = group.lock.line
    statement: cst.BaseSmallStatement | None
    if len(inits) == 1 and _single_target(inits[0].statement):
        statement = inits[0].statement
    elif not inits and default is not None and init_method is not None:
        statement = default
    else:
        reason = f"{text} has no single plain initial assignment (line {line})"
        refusals.append(Refusal(line, reason, f"init:{text}"))
        return None
    assert isinstance(statement, (cst.Assign, cst.AnnAssign))
    annotation = (
        code_of(statement.annotation.annotation)
        if isinstance(statement, cst.AnnAssign)
        else None
    )
    updates = updates_of(key, operations)
    try:
        atomic = choose_atomic(
            text, statement.value, annotation, updates, _numeric_parameters(group)
        )
    except FieldTypeError as error:
        line = _line_of_statement(group, updates[0].statement if updates else statement)
        refusals.append(Refusal(line, f"{error} (line {line})", f"type:{text}"))
        return None
    creation = f"self.{_storage(key)} = {atomic.atomic}({atomic.arguments})"
    if isinstance(statement, cst.AnnAssign):
        edits.dropped.append(statement.annotation)
    if statement is default:
        assert init_method is not None
        edits.small[statement] = None
        edits.append_to_function.setdefault(init_method, []).append(creation)
    else:
        edits.small[statement] = creation
    edits.runtime_names.add(atomic.atomic)
    if not key[1].startswith("_"):
        if "__slots__" in group.scan.class_defaults or init_method is None:
            reason = f"public {text} cannot become a property here (line {line})"
            refusals.append(Refusal(line, reason, f"property:{text}"))
            return None
        edits.after_function.setdefault(init_method, []).append(
            _property(key[1], atomic)
        )
    return atomic


def _numeric_parameters(group: Group) -> set[str]:
    """Constructor parameters with a number default or an int/float annotation."""
    init = group.scan.methods.get("__init__")
    if init is None:
        return set()
    numeric: set[str] = set()
    for param in [*init.params.params, *init.params.kwonly_params]:
        annotation = param.annotation
        if (param.default is not None and is_number(param.default, ())) or (
            annotation is not None
            and code_of(annotation.annotation) in ("int", "float")
        ):
            numeric.add(param.name.value)
    return numeric


def _line_of_statement(group: Group, statement: cst.CSTNode) -> int:
    for access in group.scan.writes:
        if access.statement is statement:
            return access.line
    return group.lock.line


def _single_target(statement: cst.BaseSmallStatement | None) -> bool:
    if isinstance(statement, cst.AnnAssign):
        return statement.value is not None
    return isinstance(statement, cst.Assign) and len(statement.targets) == 1


def _property(name: str, atomic: AtomicField) -> str:
    return (
        "@property\n"
        f"def {name}(self) -> {atomic.value_type}:\n"
        f'    """The current {name}, read from its {atomic.atomic}."""\n'
        f"    return self._{name}.load()\n"
    )


def _rewrite_operations(
    operations: Sequence[Operation],
    atomics: dict[FieldKey, AtomicField],
    edits: EditPlan,
    refusals: list[Refusal],
    facts: ModuleFacts,
) -> None:
    previous: Operation | None = None
    for op in operations:
        if isinstance(op, Update) and op.key in atomics:
            edits.small[op.statement] = _update_code(op, atomics[op.key])
        elif isinstance(op, Conditional):
            _rewrite_operations([*op.body, *op.orelse], atomics, edits, refusals, facts)
        elif isinstance(op, Swap) and op.key in atomics:
            if atomics[op.key].atomic == "AtomicTimestamp":
                line = facts.line_of(op.statement)
                reason = f"{field_text(op.key)} is a time read and reset (line {line})"
                refusals.append(Refusal(line, reason, "swap-time"))
                return
            target = f"self.{_storage(op.key)}"
            edits.small[op.statement] = (
                f"{op.local} = {target}.swap({code_of(op.value)})"
            )
        elif isinstance(op, ReturnField) and _is_add(previous, op.key):
            assert isinstance(previous, Update)
            atomic = atomics.get(op.key)
            if atomic is None or atomic.atomic != "AtomicCounter":
                line = facts.line_of(op.statement)
                refusals.append(
                    Refusal(
                        line,
                        f"{field_text(op.key)} is returned after an update but is "
                        f"not an integer counter (line {line})",
                        "add-and-get",
                    )
                )
                return
            edits.small[previous.statement] = None
            amount = _signed_amount(previous)
            edits.small[op.statement] = (
                f"return self.{_storage(op.key)}.add_and_get({amount})"
            )
        previous = op


def _is_add(previous: Operation | None, key: FieldKey) -> bool:
    return isinstance(previous, Update) and previous.key == key and not previous.store


def _update_code(update: Update, atomic: AtomicField) -> str:
    target = f"self.{_storage(update.key)}"
    if update.store:
        return f"{target}.store({code_of(update.value)})"
    amount = code_of(update.value)
    if amount == "1" and atomic.atomic == "AtomicCounter":
        return f"{target}.dec()" if update.negate else f"{target}.inc()"
    return f"{target}.add({_signed_amount(update)})"


def _signed_amount(update: Update) -> str:
    amount = code_of(update.value)
    if not update.negate:
        return amount
    if isinstance(update.value, _SIMPLE_AMOUNTS):
        return f"-{amount}"
    return f"-({amount})"
