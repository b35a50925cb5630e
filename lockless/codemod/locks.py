"""Which attributes of a class hold a lock, resolved through imports and aliases.

A lock attribute is ``self.<name> = threading.Lock()`` (or ``RLock()``) in any
method, or ``<name> = Lock()`` in the class body. The factory is resolved with
libcst's qualified names (see ``qualified_names``), so ``import threading as
th`` and ``from threading import Lock as L`` are found as well, and a local
function named ``Lock`` is not. ``asyncio.Lock()`` is found too and marked as such.

A lock the caller hands in (``self._lock = lock`` where ``lock`` is a
parameter annotated as a lock, or ``lock or threading.Lock()``) is reported
with ``supplied_by_caller`` set: code outside the class may hold it, so no
rewrite may remove it.

Use ``find_class_locks(module)`` for a whole module, or ``LockFinder`` inside a
``MetadataWrapper`` visit when the metadata is already resolved. Resolving
qualified names costs a full scope analysis of the module, and the rules ask
about the same module one after the other, so ``find_class_locks`` reuses the
metadata of a wrapper it is given and remembers its answer for the last module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from lockless.codemod.qualified_names import qualified_names

LOCK_FACTORIES: Mapping[str, str] = {
    "threading.Lock": "Lock",
    "threading.RLock": "RLock",
    "asyncio.Lock": "asyncio.Lock",
}
"""Qualified name of each lock factory, and the kind recorded for it."""


@dataclass(frozen=True)
class LockAttribute:
    """One attribute of a class that holds a lock."""

    name: str
    """The attribute name as written in the class (``_lock``, ``__done_lock``)."""

    kind: str
    """``Lock``, ``RLock`` or ``asyncio.Lock``."""

    line: int
    """The line of the assignment that creates or stores the lock."""

    on_class: bool
    """True for a class attribute (one lock shared by every instance)."""

    supplied_by_caller: bool
    """True when the lock comes from outside (a constructor parameter)."""

    statement: cst.BaseSmallStatement = field(compare=False, repr=False)
    """The assignment, so a rewrite can remove it."""


@dataclass
class ClassLocks:
    """The lock attributes of one class, by attribute name."""

    class_def: cst.ClassDef
    locks: dict[str, LockAttribute] = field(default_factory=dict)


def find_class_locks(
    module: cst.Module, wrapper: MetadataWrapper | None = None
) -> dict[str, ClassLocks]:
    """The lock attributes of every top-level class of ``module`` that has any.

    The nodes in the result are the nodes of ``module`` itself. ``wrapper``,
    when given, must wrap ``module`` itself; the metadata it has already
    resolved is used instead of being resolved again.
    """
    answer = _last.answer
    if answer is None or answer[0] is not module:
        if wrapper is None or wrapper.module is not module:
            wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        finder = LockFinder()
        wrapper.visit(finder)
        answer = (module, finder.classes)
        _last.answer = answer  # one store, so threads never mix two answers
    # Copies, so a caller that edits its answer does not edit the next one.
    return {
        name: ClassLocks(found.class_def, dict(found.locks))
        for name, found in answer[1].items()
    }


@dataclass
class _LastAnswer:
    """The module ``find_class_locks`` last looked at (held, so its id stays
    unique) and the lock attributes found in it."""

    answer: tuple[cst.Module, dict[str, ClassLocks]] | None = None


_last = _LastAnswer()


class LockFinder(cst.CSTVisitor):
    """Collects lock attributes of top-level classes into ``classes``."""

    METADATA_DEPENDENCIES = (ScopeProvider, PositionProvider)

    def __init__(self) -> None:
        super().__init__()
        self.classes: dict[str, ClassLocks] = {}
        self._class_stack: list[cst.ClassDef] = []
        self._function_stack: list[cst.FunctionDef] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._class_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._function_stack.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._function_stack.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        self._record(node, [t.target for t in node.targets], node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._record(node, [node.target], node.value)

    def _record(
        self,
        statement: cst.BaseSmallStatement,
        targets: list[cst.BaseAssignTargetExpression],
        value: cst.BaseExpression,
    ) -> None:
        # Only the outermost class counts, and only its own body or methods.
        if len(self._class_stack) != 1 or len(self._function_stack) > 1:
            return
        on_class = not self._function_stack
        kind, supplied = self._lock_value(value)
        if kind is None:
            return
        for target in targets:
            name = _attribute_name(target, on_class=on_class)
            if name is not None:
                self._add(name, kind, statement, on_class, supplied)

    def _add(
        self,
        name: str,
        kind: str,
        statement: cst.BaseSmallStatement,
        on_class: bool,
        supplied: bool,
    ) -> None:
        class_def = self._class_stack[0]
        entry = self.classes.setdefault(class_def.name.value, ClassLocks(class_def))
        line = self.get_metadata(PositionProvider, statement).start.line
        entry.locks.setdefault(
            name, LockAttribute(name, kind, line, on_class, supplied, statement)
        )

    def _lock_value(self, value: cst.BaseExpression) -> tuple[str | None, bool]:
        """The lock kind ``value`` evaluates to, and whether a caller supplies it."""
        if isinstance(value, cst.Call):
            return self._factory_kind(value.func), False
        if isinstance(value, cst.BooleanOperation):
            # ``lock or threading.Lock()``: the default is ours, the lock may not be.
            kind, _ = self._lock_value(value.right)
            return kind, kind is not None
        if isinstance(value, cst.Name):
            return self._parameter_lock_kind(value.value), True
        return None, False

    def _factory_kind(self, func: cst.BaseExpression) -> str | None:
        for qualified in qualified_names(self, func):
            kind = LOCK_FACTORIES.get(qualified)
            if kind is not None:
                return kind
        return None

    def _parameter_lock_kind(self, name: str) -> str | None:
        """The lock kind of the enclosing method's parameter ``name``, if annotated."""
        if not self._function_stack:
            return None
        params = self._function_stack[-1].params
        for param in [*params.params, *params.kwonly_params, *params.posonly_params]:
            if param.name.value == name and param.annotation is not None:
                return self._annotation_kind(param.annotation.annotation)
        return None

    def _annotation_kind(self, annotation: cst.BaseExpression) -> str | None:
        if isinstance(annotation, cst.Subscript):
            # ``Optional[threading.Lock]``
            for element in annotation.slice:
                if isinstance(element.slice, cst.Index):
                    kind = self._annotation_kind(element.slice.value)
                    if kind is not None:
                        return kind
            return None
        if isinstance(annotation, cst.BinaryOperation):
            # ``threading.Lock | None``
            return self._annotation_kind(annotation.left) or self._annotation_kind(
                annotation.right
            )
        return self._factory_kind(annotation)


def _attribute_name(target: cst.BaseExpression, *, on_class: bool) -> str | None:
    """``x`` for ``self.x`` in a method, or for a bare ``x`` in a class body."""
    if on_class:
        return target.value if isinstance(target, cst.Name) else None
    if (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == "self"
    ):
        return target.attr.value
    return None


def lock_annotations(class_def: cst.ClassDef, name: str) -> list[cst.AnnAssign]:
    """The bare annotations (``_lock: RLock``) of attribute ``name`` in the class body.

    Only annotations without a value, written directly in the body of
    ``class_def``: they declare the lock and go when the lock goes.
    """
    found: list[cst.AnnAssign] = []
    for line in class_def.body.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for small in line.body:
            if (
                isinstance(small, cst.AnnAssign)
                and small.value is None
                and isinstance(small.target, cst.Name)
                and small.target.value == name
            ):
                found.append(small)
    return found
