"""The circuit-breaker rule: breaker metrics under a lock become atomics (pattern 4).

A breaker owner is a class that holds a ``threading.Lock``/``RLock`` and stores
breaker states (``"open"``, ``"half_open"``, ``State.CLOSED``...) in a field.
The rule rewrites it when, apart from the lock itself:

- its counters are a ``@dataclass`` of this module, created in ``__init__``,
  updated only as a success (count, ``consecutive = 0``, add the duration),
  a failure (count, ``consecutive += 1``, add the duration) or a half-open
  probe (``half_open_calls += 1``), and read only right after the update that
  changed them or as a whole copy (``copy.copy``, ``dataclasses.replace``);
- the state is one field, and opening stores ``time.time()`` (or another
  ``time`` clock, or ``datetime.now(...)``) into one opened-at field;
- every transition only stores the new state and time (and may reset the
  half-open calls), so making it twice is harmless; closing clears the
  opened-at time and moving to half-open keeps it, as the runtime does;
- nothing else runs under the lock;
- the state, opened-at and metrics fields are private, and no subclass in the
  module touches them.

The result imports ``AtomicCircuitBreakerMetrics``, ``AtomicBreakerState`` and
``BreakerState`` from the runtime and adds a generated ``Atomic<Metrics>``
class above the owner. Durations are kept as integer nanoseconds (rounded to
the nearest one); a failure compares the value its own atomic increment
returned with the threshold; the metrics reader returns ``snapshot()``.

This moves decisions off the lock: two threads can both see the threshold
crossed and both open the breaker, and a snapshot is no longer one consistent
cut. So every breaker is reported as ``unsafe`` and rewritten only with
``RewriteOptions(unsafe=True)`` (``--unsafe``); without it the module is left
unchanged. A breaker is ``refused`` even then when a transition does more than
store (calls listeners, counts transitions, resets other state, logs), when
the user's function runs under the lock, or when the counters live in an
object the caller hands in. Any other shape is refused with the line and the
reason; ``fixtures/breaker/README.md`` lists the cases and known limitations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from lockless.codemod.breaker_body import BodyRewriter
from lockless.codemod.breaker_imports import add_runtime_imports, remove_unused_imports
from lockless.codemod.breaker_owner import Parts, find_parts, methods, state_stores
from lockless.codemod.breaker_reads import is_self_attribute
from lockless.codemod.breaker_render import (
    generated_name,
    render_atomic_breaker,
    runtime_aliases,
)
from lockless.codemod.breaker_shape import (
    CLOSED,
    Group,
    ShapeError,
    assign_roles,
    enum_states,
    state_of,
)
from lockless.codemod.locks import ClassLocks, find_class_locks
from lockless.codemod.sites import Outcome, Pattern, RewriteOptions, Site


def rewrite_breakers(
    module: cst.Module, *, path: str, options: RewriteOptions
) -> tuple[cst.Module, list[Site], frozenset[str]]:
    """Find circuit-breaker owners; return the new module, one Site each, claimed class names.

    Claimed are all breaker owners found, refused ones included, so the other
    rules leave them alone.
    """  # noqa: E501 (the first line is the contract, word for word)
    enums = enum_states(module)
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    sites: list[Site] = []
    claimed: set[str] = set()
    rewrites: dict[str, _Rewrite] = {}
    for name, locks in find_class_locks(module).items():
        if not state_stores(locks.class_def, enums):
            continue
        claimed.add(name)
        try:
            rewrite = _rewrite_owner(module, locks, enums, positions)
        except ShapeError as refusal:
            sites.append(
                _site(path, refusal.line, name, Outcome.REFUSED, refusal.reason)
            )
            continue
        line = positions[locks.class_def].start.line
        sites.append(_site(path, line, name, Outcome.UNSAFE, _unsafe_reason(options)))
        rewrites[name] = rewrite
    if options.unsafe and rewrites:
        module = _apply(module, rewrites, options)
    return module, sites, frozenset(claimed)


class _Rewrite:
    """One owner's rewritten class, the class generated for it, and its lock import."""

    def __init__(
        self,
        owner: cst.ClassDef,
        generated: str,
        parts: Parts,
        removed: list[cst.Call],
    ) -> None:
        self.owner = owner
        self.generated = generated
        self.parts = parts
        self.removed = removed


def _rewrite_owner(
    module: cst.Module,
    locks: ClassLocks,
    enums: Mapping[str, Mapping[str, str]],
    positions: Mapping[cst.CSTNode, CodeRange],
) -> _Rewrite:
    parts = find_parts(locks, module, enums, positions)
    owner = locks.class_def
    body = BodyRewriter(parts.names, positions, enums, {}, parts.transitions)
    groups = _groups(owner, body)
    if not groups:
        raise ShapeError(parts.lock.line, "no counter is updated under the lock")
    roles = assign_roles(groups)
    body = BodyRewriter(parts.names, positions, enums, roles, parts.transitions)
    new_owner = _rewrite_methods(owner, parts, body)
    name = owner.name.value
    generated = render_atomic_breaker(module, name, parts, roles, body.used)
    removed = [*body.replaced_calls]
    lock_value = getattr(parts.lock.statement, "value", None)
    if isinstance(lock_value, cst.Call):
        removed.append(lock_value)
    return _Rewrite(new_owner, generated, parts, removed)


def _groups(owner: cst.ClassDef, body: BodyRewriter) -> list[Group]:
    """Every run of counter updates in the owner's methods, outside __init__."""
    finder = _BlockFinder()
    for method in methods(owner):
        if method.name.value != "__init__":
            method.visit(finder)
    groups = []
    for block in finder.blocks:
        index = 0
        while index < len(block):
            end = body.run_end(block, index)
            if end == index:
                index += 1
                continue
            run_groups = body.run_updates(block[index:end])
            if run_groups is not None:
                groups.append(run_groups)
            index = end
    return groups


class _BlockFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[Sequence[cst.BaseStatement]] = []

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.blocks.append(node.body)


def _rewrite_methods(
    owner: cst.ClassDef, parts: Parts, body: BodyRewriter
) -> cst.ClassDef:
    suite = owner.body
    assert isinstance(suite, cst.IndentedBlock)  # a breaker has methods
    statements = [
        _rewrite_method(s, parts, body) if isinstance(s, cst.FunctionDef) else s
        for s in suite.body
    ]
    return owner.with_changes(body=suite.with_changes(body=statements))


def _rewrite_method(
    method: cst.FunctionDef, parts: Parts, body: BodyRewriter
) -> cst.FunctionDef:
    params = method.params
    body.parameters = frozenset(
        p.name.value
        for p in [*params.params, *params.kwonly_params, *params.posonly_params]
    )
    body.taken = {
        node.value for node in _names_in(method) if isinstance(node, cst.Name)
    }
    suite = method.body
    if not isinstance(suite, cst.IndentedBlock):
        if method.name.value == "__init__":
            raise ShapeError(body.line(method), "__init__ is written on one line")
        return method.with_changes(body=body.suite(suite))
    statements: Sequence[cst.BaseStatement] = suite.body
    if method.name.value == "__init__":
        statements = _rewrite_init(statements, parts, body)
    return method.with_changes(body=suite.with_changes(body=body.block(statements)))


def _rewrite_init(
    statements: Sequence[cst.BaseStatement], parts: Parts, body: BodyRewriter
) -> list[cst.BaseStatement]:
    """Drop the lock, state and opened-at set-up; create the atomic metrics instead."""
    names = parts.names
    kept: list[cst.BaseStatement] = []
    for statement in statements:
        small = (
            statement.body[0]
            if isinstance(statement, cst.SimpleStatementLine)
            else None
        )
        target = _target(small)
        value = getattr(small, "value", None)
        if small is None or small is parts.lock.statement:
            if small is None:
                kept.append(statement)
            continue
        if target is not None and is_self_attribute(target, names.state):
            if value is None or (state_of(value, body.enums) or ("",))[0] != CLOSED:
                raise ShapeError(body.line(small), "the breaker does not start closed")
            continue
        if target is not None and is_self_attribute(target, names.opened_at):
            if not (isinstance(value, cst.Name) and value.value == "None"):
                raise ShapeError(
                    body.line(small), "the breaker starts with an opened-at time"
                )
            continue
        if target is not None and is_self_attribute(target, names.metrics):
            assert isinstance(small, (cst.Assign, cst.AnnAssign))
            created = cst.Call(cst.Name(generated_name(parts)))
            statement = statement.with_changes(body=[small.with_changes(value=created)])
            body.finished.append(statement)
        kept.append(statement)
    return kept


def _names_in(node: cst.CSTNode) -> list[cst.CSTNode]:
    finder = _NameFinder()
    node.visit(finder)
    return finder.names


class _NameFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[cst.CSTNode] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)  # ``x.name`` does not bind or read a local ``name``
        return False


def _target(small: cst.BaseSmallStatement | None) -> cst.BaseExpression | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        return small.targets[0].target
    if isinstance(small, cst.AnnAssign):
        return small.target
    return None


def _apply(
    module: cst.Module, rewrites: Mapping[str, _Rewrite], options: RewriteOptions
) -> cst.Module:
    """Put each rewritten owner in place, its generated class above it, then imports."""
    body: list[cst.BaseStatement] = []
    for statement in module.body:
        rewrite = rewrites.get(getattr(getattr(statement, "name", None), "value", ""))
        if isinstance(statement, cst.ClassDef) and rewrite is not None:
            generated = cst.parse_module(
                rewrite.generated, config=module.config_for_parsing
            )
            first = generated.body[0].with_changes(
                leading_lines=statement.leading_lines
            )
            body.extend([first, *generated.body[1:]])
            blank = cst.EmptyLine()
            statement = rewrite.owner.with_changes(leading_lines=[blank, blank])
        body.append(statement)
    module = module.with_changes(body=body)
    return _fix_imports(module, rewrites, options)


def _fix_imports(
    module: cst.Module, rewrites: Mapping[str, _Rewrite], options: RewriteOptions
) -> cst.Module:
    aliases = runtime_aliases(module)
    module = add_runtime_imports(module, options.runtime_module, aliases)
    callees = [call.func for rewrite in rewrites.values() for call in rewrite.removed]
    return remove_unused_imports(module, callees)


def _site(path: str, line: int, owner: str, outcome: Outcome, reason: str) -> Site:
    return Site(path, line, owner, Pattern.BREAKER, outcome, reason)


def _unsafe_reason(options: RewriteOptions) -> str:
    what = (
        "circuit breaker: failures would be compared with the threshold using "
        "each thread's own atomic count and transitions would be plain stores, "
        "so two threads may both open the breaker and a snapshot is no longer "
        "one consistent cut"
    )
    if options.unsafe:
        return f"{what}; rewritten because --unsafe was given"
    return f"{what}; left unchanged, --unsafe enables the rewrite"
