"""The rewrite: lock-guarded statistics become lock-free atomics.

``rewrite_source`` is the entry point: it runs the circuit-breaker rule when
it is installed, then ``AtomicStatsCommand``, checks that the result parses,
compiles and is stable under a second run, and returns the new text with one
``Site`` per candidate. A module in which ``gate.rules_to_run`` sees nothing a
rule could report is returned as it is without being parsed by libcst; a rule
the gate rules out is not run. ``AtomicStatsCommand`` is a libcst codemod command, so
the same rule runs under libcst's own runner: with ``lockless.codemod`` in the
``modules`` list of ``.libcst.codemod.yaml``,

    python -m libcst.tool codemod --no-format transform.AtomicStatsCommand src/

(lockless formats what it generates itself, so no formatter is needed).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Union

import libcst as cst
from libcst.codemod import (
    CodemodContext,
    VisitorBasedCodemodCommand,
)
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from lockless.codemod.analysis import (
    block_statements,
)
from lockless.codemod.gate import ALL_RULES, RulesToRun, rules_to_run
from lockless.codemod.gather import StatsGatherer
from lockless.codemod.import_layout import (
    keep_removed_leading_lines,
    separate_runtime_import,
)
from lockless.codemod.locks import find_class_locks
from lockless.codemod.module_facts import lock_imports
from lockless.codemod.plan import EditPlan
from lockless.codemod.render import (
    parse_class_body,
    parse_expression,
    parse_small_statement,
    parse_statements,
    render_atomic_class,
)
from lockless.codemod.sites import RewriteOptions, RewriteResult, Site
from lockless.exceptions import InvalidInput, RewriteFailed

_BREAKER_MODULE = "lockless.codemod.breaker"

SmallResult = Union[cst.BaseSmallStatement, cst.RemovalSentinel]
StatementResult = Union[
    cst.BaseStatement, cst.RemovalSentinel, cst.FlattenSentinel[cst.BaseStatement]
]


class AtomicStatsCommand(VisitorBasedCodemodCommand):
    """Rewrite lock-guarded statistics in a module to the lockless runtime atomics."""

    DESCRIPTION = "Rewrite lock-guarded statistics to lock-free atomic counters."
    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)

    def __init__(
        self,
        context: CodemodContext,
        options: RewriteOptions = RewriteOptions(),  # noqa: B008 (frozen, shared safely)
        *,
        path: str = "<string>",
        claimed: Collection[str] = frozenset(),
    ) -> None:
        super().__init__(context)
        self.options = options
        self.path = path
        self.claimed = claimed
        self.sites: list[Site] = []
        self.plan = EditPlan()
        self._module = cst.Module(body=[])

    def transform_module(self, tree: cst.Module) -> cst.Module:
        # Removing an unused import also drops the blank lines and comments
        # above it; give them to the statement that takes its place.
        rewritten = super().transform_module(tree)
        rewritten = keep_removed_leading_lines(tree, rewritten)
        return separate_runtime_import(rewritten, self.options.runtime_module)

    def transform_resolved(self, wrapper: MetadataWrapper) -> cst.Module:
        """``transform_module`` of ``wrapper.module``, reusing ``wrapper``'s metadata.

        Returns ``wrapper.module`` itself when there is nothing to rewrite.
        """
        tree = wrapper.module
        previous = self.context
        with self.resolve(wrapper):
            self.context = replace(previous, wrapper=wrapper)
            try:
                rewritten = self.transform_module_impl(tree)
            finally:
                self.context = previous
        if rewritten is tree:
            return tree
        # What ``VisitorBasedCodemodCommand.transform_module`` runs afterwards.
        for key, visitor in (
            (AddImportsVisitor.CONTEXT_KEY, AddImportsVisitor),
            (RemoveImportsVisitor.CONTEXT_KEY, RemoveImportsVisitor),
        ):
            if key in self.context.scratch:
                rewritten = visitor(self.context).transform_module(rewritten)
        rewritten = keep_removed_leading_lines(tree, rewritten)
        return separate_runtime_import(rewritten, self.options.runtime_module)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        gatherer = StatsGatherer(self.context, path=self.path, claimed=self.claimed)
        wrapper = self.context.wrapper
        assert wrapper is not None
        find_class_locks(wrapper.module, wrapper)  # the gatherer asks for them again
        wrapper.visit(gatherer)
        self.sites = gatherer.sites
        self.plan = gatherer.plan
        if self.plan.is_empty():
            return tree
        self._module = tree
        self._schedule_imports(tree)
        return tree.visit(self)

    def _schedule_imports(self, tree: cst.Module) -> None:
        runtime = self.options.runtime_module
        names = set(self.plan.runtime_names)
        if any(
            c.identity for classes in self.plan.before_class.values() for c in classes
        ):
            names.add("IdentityField")
        for name in sorted(names):
            AddImportsVisitor.add_needed_import(self.context, runtime, name)
        # Imports used only by replaced code (a lock factory, copy.copy in a
        # reader, an Optional annotation) are removed once nothing uses them.
        # Asking libcst about a node costs a visitor each time, so only nodes
        # that name an imported module or object are asked about.
        replaced = [*self.plan.dropped, *self.plan.small, *self.plan.compound]
        imported = _imported_names(tree.body)
        for node in replaced:
            if imported is None or not imported.isdisjoint(_names_in(node)):
                RemoveImportsVisitor.remove_unused_import_by_node(self.context, node)
        if self.plan.removed_locks:
            for module, obj, asname in lock_imports(tree):
                RemoveImportsVisitor.remove_unused_import(
                    self.context, module, obj, asname
                )

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        return self._expression(original_node, updated_node)

    def leave_Name(
        self, original_node: cst.Name, updated_node: cst.Name
    ) -> cst.BaseExpression:
        return self._expression(original_node, updated_node)

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> SmallResult:
        return self._small(original_node, updated_node)

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> SmallResult:
        return self._small(original_node, updated_node)

    def leave_AugAssign(
        self, original_node: cst.AugAssign, updated_node: cst.AugAssign
    ) -> SmallResult:
        return self._small(original_node, updated_node)

    def leave_Return(
        self, original_node: cst.Return, updated_node: cst.Return
    ) -> SmallResult:
        return self._small(original_node, updated_node)

    def leave_Expr(
        self, original_node: cst.Expr, updated_node: cst.Expr
    ) -> SmallResult:
        return self._small(original_node, updated_node)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if not updated_node.body:
            return updated_node.with_changes(
                body=parse_statements("pass", self._module)
            )
        if self._first_removed(original_node):
            # The block now starts with what followed: no blank line first.
            first = updated_node.body[0]
            assert isinstance(
                first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
            )
            lines = list(first.leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            body = [first.with_changes(leading_lines=lines), *updated_node.body[1:]]
            return updated_node.with_changes(body=body)
        return updated_node

    def _first_removed(self, block: cst.IndentedBlock) -> bool:
        first = block.body[0] if block.body else None
        return isinstance(first, cst.SimpleStatementLine) and all(
            small in self.plan.small and self.plan.small[small] is None
            for small in first.body
        )

    def _expression(
        self, original: cst.BaseExpression, updated: cst.Attribute | cst.Name
    ) -> cst.BaseExpression:
        code = self.plan.expressions.get(original)
        if code is None:
            return updated
        new = parse_expression(code, self._module)
        if updated.lpar:
            return new.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return new

    def _small(
        self, original: cst.BaseSmallStatement, updated: cst.BaseSmallStatement
    ) -> SmallResult:
        if original not in self.plan.small:
            return updated
        code = self.plan.small[original]
        if code is None:
            return cst.RemovalSentinel.REMOVE
        new = parse_small_statement(code, self._module)
        semicolon = getattr(updated, "semicolon", cst.MaybeSentinel.DEFAULT)
        return new.with_changes(semicolon=semicolon)

    def leave_With(
        self, original_node: cst.With, updated_node: cst.With
    ) -> StatementResult:
        if original_node not in self.plan.compound:
            return updated_node
        code = self.plan.compound[original_node]
        updated = updated_node
        statements = (
            block_statements(updated)
            if code is None
            else parse_statements(code, self._module)
        )
        if not statements:
            return cst.RemovalSentinel.REMOVE
        first = statements[0]
        assert isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        statements[0] = first.with_changes(
            leading_lines=[*updated.leading_lines, *first.leading_lines]
        )
        return cst.FlattenSentinel(statements)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> StatementResult:
        updated = updated_node
        body = updated.body
        appended = self.plan.append_to_function.get(original_node)
        if appended and isinstance(body, cst.IndentedBlock):
            extra = parse_statements("\n".join(appended), self._module)
            kept = [s for s in body.body if not _is_pass(s)]
            updated = updated.with_changes(body=body.with_changes(body=[*kept, *extra]))
        after = self.plan.after_function.get(original_node)
        if not after:
            return updated
        added: list[cst.BaseStatement] = []
        for code in after:
            for statement in parse_class_body(code, self._module):
                added.append(
                    statement.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
                )
        return cst.FlattenSentinel([updated, *added])

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> StatementResult:
        updated = updated_node
        generated: list[cst.BaseStatement] = []
        for cls in self.plan.before_class.get(original_node, []):
            for statement in parse_statements(render_atomic_class(cls), self._module):
                generated.append(
                    statement.with_changes(
                        leading_lines=[cst.EmptyLine(indent=False)] * 2
                    )
                )
        if not generated:
            return updated
        # Blank lines above the owner go above the new class; comments stay
        # with the owner they describe.
        lines = list(updated.leading_lines)
        blanks = 0
        while blanks < len(lines) and lines[blanks].comment is None:
            blanks += 1
        generated[0] = generated[0].with_changes(leading_lines=lines[:blanks])
        owner = updated.with_changes(
            leading_lines=[cst.EmptyLine(indent=False)] * 2 + lines[blanks:]
        )
        return cst.FlattenSentinel([*generated, owner])


def _is_pass(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Pass)
    )


def rewrite_source(
    code: str,
    *,
    path: str = "<string>",
    options: RewriteOptions = RewriteOptions(),  # noqa: B008 (frozen, shared safely)
) -> RewriteResult:
    """Rewrite the lock-guarded statistics in ``code``; see the module docstring.

    Raises ``InvalidInput`` when ``code`` does not parse and ``RewriteFailed``
    when the rewrite would not parse, compile or be stable (a lockless bug).
    """
    if not rules_to_run(code):
        return RewriteResult(code)
    return _rewrite(code, path, options, None)


def rewrite_source_ungated(
    code: str,
    *,
    path: str = "<string>",
    options: RewriteOptions = RewriteOptions(),  # noqa: B008 (frozen, shared safely)
) -> RewriteResult:
    """``rewrite_source`` with every rule run on ``code``, whatever the gate says.

    Slower; the gate's tests compare the two. The stability check still runs
    the second pass as ``rewrite_source`` would.
    """
    return _rewrite(code, path, options, ALL_RULES)


def _rewrite(
    code: str, path: str, options: RewriteOptions, rules: RulesToRun | None
) -> RewriteResult:
    module = _parse(code, path)
    if rules is None:
        new_code, sites = _rewrite_once(module, path, options)
    else:
        new_code, sites = _rewrite_once(module, path, options, rules)
    if new_code == code:
        return RewriteResult(code, tuple(sites))
    _verify(new_code, path, options)
    return RewriteResult(new_code, tuple(sites))


def _parse(code: str, path: str) -> cst.Module:
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError as error:
        # Python's own parser names the line and the problem more precisely
        # than libcst's; libcst's message is kept for syntax Python accepts.
        line, message = _python_syntax_error(code) or (error.raw_line, error.message)
        raise InvalidInput(
            f"{path}:{line}: cannot parse: {message}", line=line
        ) from error
    _last_parsed.source = (module, code)
    return module


_STATEMENT_PARTS = (
    cst.BaseStatement,
    cst.BaseSuite,
    cst.ExceptHandler,
    cst.ExceptStarHandler,
    cst.Else,
    cst.Finally,
    cst.MatchCase,
)


def _imported_names(statements: Sequence[cst.CSTNode]) -> set[str] | None:
    """The names imports bind anywhere in ``statements``; None after a star import."""
    names: set[str] = set()
    for statement in statements:
        if isinstance(statement, (cst.Import, cst.ImportFrom)):
            if isinstance(statement.names, cst.ImportStar):
                return None
            for alias in statement.names:
                bound = alias.evaluated_alias or alias.evaluated_name
                names.add(bound.split(".")[0])
            continue
        parts = [
            child
            for child in statement.children
            if isinstance(child, (*_STATEMENT_PARTS, cst.Import, cst.ImportFrom))
        ]
        inner = _imported_names(parts)
        if inner is None:
            return None
        names |= inner
    return names


def _names_in(node: cst.CSTNode) -> set[str]:
    """Every bare name used anywhere inside ``node``."""
    if isinstance(node, cst.Name):
        return {node.value}
    names: set[str] = set()
    for child in node.children:
        names |= _names_in(child)
    return names


def _python_syntax_error(code: str) -> tuple[int, str] | None:
    """Where and why ``ast.parse`` rejects ``code``, or None if it accepts it."""
    try:
        ast.parse(code)
    except SyntaxError as error:
        return error.lineno or 1, error.msg
    except (ValueError, RecursionError):
        return None
    return None


@dataclass
class _ParsedText:
    """The module parsed last and its text: printing a module back costs about
    as much as parsing it, and each pass needs the text of the module it gets."""

    source: tuple[cst.Module, str] | None = None
    """Stored in one go, so that threads never pair one module with another's text."""


_last_parsed = _ParsedText()


def _text_of(module: cst.Module) -> str:
    source = _last_parsed.source
    return source[1] if source is not None and source[0] is module else module.code


def _rewrite_once(
    module: cst.Module,
    path: str,
    options: RewriteOptions,
    rules: RulesToRun | None = None,
) -> tuple[str, list[Site]]:
    """The text of ``module`` after one run of the rules, and the sites found.

    Runs the rules ``rules`` allows, by default those the gate allows for
    the module's text. Each metadata provider is resolved once and shared
    by both rules and the analysis.
    """
    code = _text_of(module)
    if rules is None:
        rules = rules_to_run(code)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    sites: list[Site] = []
    claimed: frozenset[str] = frozenset()
    if rules.breakers:
        find_class_locks(module, wrapper)  # the breaker rule asks for them
        new_module, sites, claimed = _rewrite_breakers(module, path, options)
        if new_module is not module:
            # A rewritten tree may share nodes; metadata needs a fresh copy.
            wrapper = MetadataWrapper(new_module)
    rewritten = wrapper.module
    if rules.statistics:
        command = AtomicStatsCommand(
            CodemodContext(filename=path), options, path=path, claimed=claimed
        )
        rewritten = command.transform_resolved(wrapper)
        sites = [*sites, *command.sites]
    if rewritten is module:
        return code, sites
    return rewritten.code, sites


def _rewrite_breakers(
    module: cst.Module, path: str, options: RewriteOptions
) -> tuple[cst.Module, list[Site], frozenset[str]]:
    """Run the circuit-breaker rule first, when it is installed."""
    if importlib.util.find_spec(_BREAKER_MODULE) is None:
        return module, [], frozenset()
    breaker = importlib.import_module(_BREAKER_MODULE)
    new_module, sites, claimed = breaker.rewrite_breakers(
        module, path=path, options=options
    )
    return new_module, list(sites), frozenset(claimed)


def _verify(new_code: str, path: str, options: RewriteOptions) -> None:
    """The rewrite parses, compiles, and a second run changes nothing.

    The second run is the one ``rewrite_source`` would make: only the rules
    the gate allows for the new text run.
    """
    try:
        module = cst.parse_module(new_code)
        compile(new_code, path, "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError) as error:
        raise RewriteFailed(f"{path}: the rewrite does not parse: {error}") from error
    _last_parsed.source = (module, new_code)
    again, _ = _rewrite_once(module, path, options)
    if again != new_code:
        raise RewriteFailed(f"{path}: a second rewrite would change the file again")
