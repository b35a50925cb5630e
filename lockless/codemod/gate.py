"""A quick test, on Python's own syntax tree, of whether a module can yield any site.

The full analysis runs on a libcst tree with scope metadata, which costs tens
of times more than ``ast.parse``. Most modules that mention a lock still hold
nothing the analysis reports, so ``rules_to_run`` looks for the shapes every
site of each rule needs and lets the caller skip the rest. It must answer yes for every
module the analysis reports on; it may answer yes for modules it does not.
Each test below is a looser form of a condition the analysis applies:

- a *lock name* is an attribute or class-level name assigned a call to a lock
  factory (``Lock``, ``RLock`` or a name imported as one, ``<module>.Lock``),
  ``<anything> or <such a call>``, or a parameter annotated with a lock type;
- a class yields a statistics site only if it holds ``with self.<lock>:``
  around something counted (``+=``, ``-=``, ``x = ... + ...``, a ``time.``
  or ``datetime`` call assigned) or around a call of one of its methods that
  counts, or if it counts anywhere and uses ``self.<lock>`` outside ``with``;
- a class yields a circuit-breaker site only if it assigns a lock and stores a
  breaker state (a string naming one, a module-level string constant, or an
  attribute named like one).

``tests/codemod/test_gate.py`` checks the superset property against the full
analysis on every fixture, every shared case and standard-library modules.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

LOCK_MODULES = frozenset({"threading", "asyncio"})
LOCK_FACTORIES = frozenset({"Lock", "RLock"})
"""Names of the lock factories in ``LOCK_MODULES``."""

_STATE_WORDS = frozenset({"closed", "open", "halfopen"})

_Function = (ast.FunctionDef, ast.AsyncFunctionDef)
_WithStatement = (ast.With, ast.AsyncWith)


@dataclass(frozen=True)
class RulesToRun:
    """Which rules could report a site for a module; both false means none could."""

    statistics: bool
    """The statistics rule (``AtomicStatsCommand``): patterns 1, 2, 3 and 5."""

    breakers: bool
    """The circuit-breaker rule (pattern 4)."""

    def __bool__(self) -> bool:
        return self.statistics or self.breakers


ALL_RULES = RulesToRun(statistics=True, breakers=True)


@functools.lru_cache(maxsize=1)  # the rewrite asks again about the text it parsed
def rules_to_run(code: str) -> RulesToRun:
    """Which rules could report any site for ``code``; conservative.

    Source that Python cannot parse gets every rule, so the caller's own
    parser reports the error.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return ALL_RULES
    locks = lock_names(tree)
    if not locks:
        return RulesToRun(statistics=False, breakers=False)
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    constants = _string_constants(tree)
    datetime_lines = _lines_mentioning(code, "datetime")
    return RulesToRun(
        statistics=any(
            _may_count_under_lock(c, locks, datetime_lines) for c in classes
        ),
        breakers=any(_may_be_breaker(c, locks, constants) for c in classes),
    )


def may_yield_sites(code: str) -> bool:
    """Whether the analysis could report any site for ``code``; conservative."""
    return bool(rules_to_run(code))


def _lines_mentioning(code: str, word: str) -> frozenset[int]:
    """Numbers of the lines of ``code`` that contain ``word``, counted as Python does.

    Python ends a line at ``\\n``, ``\\r\\n`` or ``\\r``; so does
    ``bytes.splitlines``, unlike ``str.splitlines``.
    """
    if word not in code:
        return frozenset()
    lines = code.encode("utf-8", "surrogatepass").splitlines()
    needle = word.encode()
    return frozenset(number for number, line in enumerate(lines, 1) if needle in line)


def lock_names(tree: ast.AST) -> set[str]:
    """Every name assigned something that may be a lock, anywhere in ``tree``."""
    imports: list[ast.Import | ast.ImportFrom] = []
    parameters: list[ast.arg] = []
    assignments: list[ast.Assign | ast.AnnAssign] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(node)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            parameters.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            assignments.append(node)
    factories = _imported_factories(imports)
    if not factories.names and not factories.modules:
        return set()
    lock_parameters = _lock_parameters(parameters, factories)
    names: set[str] = set()
    for assignment in assignments:
        targets, value = _assignment(assignment)
        if value is not None and _may_be_lock(value, factories, lock_parameters):
            names.update(_target_names(targets))
    return names


@dataclass
class _Factories:
    """How the module can spell a lock factory."""

    names: set[str] = field(default_factory=set)
    """Names imported from a lock module: ``Lock``, or ``L`` in ``... as L``."""

    modules: set[str] = field(default_factory=set)
    """Names bound to a lock module: ``threading``, or ``th`` in ``... as th``."""


def _imported_factories(imports: Iterable[ast.Import | ast.ImportFrom]) -> _Factories:
    """The imports, in any scope, that can make a name resolve to a lock factory."""
    found = _Factories()
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LOCK_MODULES:
                    found.modules.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module in LOCK_MODULES:
            for alias in node.names:
                if alias.name == "*":
                    found.names.update(LOCK_FACTORIES)
                elif alias.name in LOCK_FACTORIES:
                    found.names.add(alias.asname or alias.name)
    return found


def _lock_parameters(parameters: Iterable[ast.arg], factories: _Factories) -> set[str]:
    """Names of the parameters whose annotation mentions a lock factory."""
    return {
        parameter.arg
        for parameter in parameters
        if parameter.annotation is not None
        and any(
            _names_factory(part, factories) for part in ast.walk(parameter.annotation)
        )
    }


def _names_factory(node: ast.AST, factories: _Factories) -> bool:
    if isinstance(node, ast.Name):
        return node.id in factories.names
    if isinstance(node, ast.Attribute):
        return (
            node.attr in LOCK_FACTORIES
            and isinstance(node.value, ast.Name)
            and node.value.id in factories.modules
        )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "Lock" in node.value  # a string annotation
    return False


def _may_be_lock(value: ast.expr, factories: _Factories, parameters: set[str]) -> bool:
    if isinstance(value, ast.Call):
        return _names_factory(value.func, factories)
    if isinstance(value, ast.BoolOp):
        return _may_be_lock(value.values[-1], factories, parameters)
    if isinstance(value, ast.Name):
        return value.id in parameters
    return False


def _assignment(node: ast.AST) -> tuple[list[ast.expr], ast.expr | None]:
    if isinstance(node, ast.Assign):
        return list(node.targets), node.value
    if isinstance(node, ast.AnnAssign):
        return [node.target], node.value
    return [], None


def _target_names(targets: Iterable[ast.expr]) -> Iterator[str]:
    for target in targets:
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _target_names(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _target_names([target.value])
        elif isinstance(target, ast.Attribute):
            yield target.attr
        elif isinstance(target, ast.Name):
            yield target.id


def _may_count_under_lock(
    cls: ast.ClassDef, locks: set[str], datetime_lines: frozenset[int]
) -> bool:
    """A ``with self.<lock>:`` around counting, or a counting class using its lock.

    The second holds only for a lock the class never takes in a ``with`` of
    its own (nested classes are not the class's own).
    """
    blocks: dict[str, list[ast.AST]] = {}
    for node in _own_nodes(cls):
        if isinstance(node, _WithStatement):
            for item in node.items:
                name = _self_attribute(item.context_expr)
                if name in locks and name is not None:
                    blocks.setdefault(name, []).append(node)
    held = [block for found in blocks.values() for block in found]
    if any(_counts(block, datetime_lines) for block in held):
        return True
    called = {name for block in held for name in _self_calls(block)}
    if called and any(
        _counts(node, datetime_lines)
        for node in ast.walk(cls)
        if isinstance(node, _Function) and node.name in called
    ):
        return True
    unheld = locks - set(blocks)
    return bool(unheld) and _uses_lock(cls, unheld) and _counts(cls, datetime_lines)


def _own_nodes(cls: ast.ClassDef) -> Iterator[ast.AST]:
    """The nodes of the body of ``cls``, without the bodies of nested classes."""
    pending: list[ast.AST] = list(cls.body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, ast.ClassDef):
            pending.extend(ast.iter_child_nodes(node))


def _counts(node: ast.AST, datetime_lines: frozenset[int]) -> bool:
    """``+=``/``-=``, an assigned sum or difference, or an assigned clock call."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.AugAssign) and isinstance(
            inner.op, (ast.Add, ast.Sub)
        ):
            return True
        if isinstance(inner, ast.Assign) and _counting_value(
            inner.value, datetime_lines
        ):
            return True
    return False


def _counting_value(value: ast.expr, datetime_lines: frozenset[int]) -> bool:
    """A sum or difference, or a call of ``time.<...>`` or of anything spelt
    with ``datetime`` (looked for on the call's lines, comments included)."""
    if isinstance(value, ast.BinOp):
        return isinstance(value.op, (ast.Add, ast.Sub))
    if not isinstance(value, ast.Call):
        return False
    end = value.end_lineno or value.lineno
    return _root_name(value.func) == "time" or any(
        line in datetime_lines for line in range(value.lineno, end + 1)
    )


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _self_calls(node: ast.AST) -> set[str]:
    """Names of the methods called as ``self.<name>(...)`` under ``node``."""
    return {
        name
        for inner in ast.walk(node)
        if isinstance(inner, ast.Call)
        for name in [_self_attribute(inner.func)]
        if name is not None
    }


def _uses_lock(cls: ast.ClassDef, locks: set[str]) -> bool:
    """``self.<lock>`` read other than as a ``with`` item or assigned in a method."""
    uses: list[ast.AST] = []
    excluded: set[int] = set()
    pending: list[tuple[ast.AST, bool]] = [(node, False) for node in cls.body]
    while pending:
        node, in_function = pending.pop()
        if isinstance(node, _WithStatement):
            excluded.update(id(item.context_expr) for item in node.items)
        elif in_function and isinstance(node, (ast.Assign, ast.Delete)):
            excluded.update(id(target) for target in _flattened(node.targets))
        elif in_function and isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            excluded.update(id(target) for target in _flattened([node.target]))
        elif _self_attribute(node) in locks:
            uses.append(node)
        inner = in_function or isinstance(node, _Function)
        pending.extend((child, inner) for child in ast.iter_child_nodes(node))
    return any(id(node) not in excluded for node in uses)


def _flattened(targets: Iterable[ast.expr]) -> Iterator[ast.expr]:
    for target in targets:
        yield target
        if isinstance(target, (ast.Tuple, ast.List)):
            yield from _flattened(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _flattened([target.value])


def _self_attribute(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        return node.attr
    return None


def _may_be_breaker(cls: ast.ClassDef, locks: set[str], constants: set[str]) -> bool:
    """The class assigns a lock and stores something that may be a breaker state."""
    assigns_lock = False
    stores_state = False
    for node in ast.walk(cls):
        targets, value = _assignment(node)
        if value is None:
            continue
        assigns_lock = assigns_lock or any(
            name in locks for name in _target_names(targets)
        )
        stores_state = stores_state or any(
            _may_be_state(part, constants) for part in _elements(value)
        )
    return assigns_lock and stores_state


def _elements(value: ast.expr) -> Iterator[ast.expr]:
    yield value
    if isinstance(value, (ast.Tuple, ast.List)):
        yield from value.elts


def _may_be_state(value: ast.expr, constants: set[str]) -> bool:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return _is_state_word(value.value)
    if isinstance(value, ast.Name):
        return value.id in constants
    if isinstance(value, ast.Attribute):
        return _is_state_word(value.attr)
    return False


def _is_state_word(text: str) -> bool:
    squeezed = text.lower().replace("_", "").replace("-", "").replace(" ", "")
    return squeezed in _STATE_WORDS


def _string_constants(tree: ast.Module) -> set[str]:
    """Names assigned a string at module level."""
    return {
        name
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
        for name in _target_names(statement.targets)
    }
