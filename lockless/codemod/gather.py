"""The gathering pass: analyse every owner class of a module into a plan and sites.

It runs before the transformer, with the module's metadata resolved, and
changes nothing; ``AtomicStatsCommand`` then applies ``StatsGatherer.plan``.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst
from libcst.codemod import CodemodContext, ContextAwareVisitor
from libcst.metadata import PositionProvider, ScopeProvider

from lockless.codemod.analysis import Group, ModuleFacts, analyse_class, guess_pattern
from lockless.codemod.bare_fields import plan_bare_fields
from lockless.codemod.locks import ClassLocks, find_class_locks
from lockless.codemod.module_facts import gather_module_facts
from lockless.codemod.operations import Refusal
from lockless.codemod.plan import EditPlan
from lockless.codemod.qualified_names import qualified_names
from lockless.codemod.sites import Outcome, Site
from lockless.codemod.stats_object import plan_stats_object


class StatsGatherer(ContextAwareVisitor):
    """Analyses every owner class of a module into an ``EditPlan`` and sites."""

    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)

    def __init__(
        self, context: CodemodContext, *, path: str, claimed: Collection[str]
    ) -> None:
        super().__init__(context)
        self.path = path
        self.claimed = claimed
        self.plan = EditPlan()
        self.sites: list[Site] = []

    def visit_Module(self, node: cst.Module) -> bool:
        facts = gather_module_facts(
            node, self._line_of, self._qualified_names, self._column_of
        )
        owners = find_class_locks(node)
        for name, class_locks in owners.items():
            if name in self.claimed:
                continue
            for group in analyse_class(class_locks.class_def, class_locks, facts):
                self._decide(group, facts)
        for base, class_locks in owners.items():
            for subclass in facts.subclasses.get(base, []):
                if subclass.name.value in owners or subclass.name.value in self.claimed:
                    continue
                inherited = ClassLocks(subclass, dict(class_locks.locks))
                for group in analyse_class(
                    subclass, inherited, facts, inherited_from=base
                ):
                    self._decide(group, facts)
        return False

    def _decide(self, group: Group, facts: ModuleFacts) -> None:
        refusals = group.refusals
        if not refusals:
            plan = plan_stats_object if group.stats_attr else plan_bare_fields
            refusals = plan(group, facts, self.plan)
        owner = group.owner.name.value
        pattern = guess_pattern(group)
        if refusals:
            for refusal in _distinct(refusals):
                if any(
                    s.line == refusal.line and s.reason == refusal.reason
                    for s in self.sites
                ):
                    continue  # the same statement seen from an enclosing lock
                self.sites.append(
                    Site(
                        self.path,
                        refusal.line,
                        owner,
                        pattern,
                        Outcome.REFUSED,
                        refusal.reason,
                    )
                )
            return
        line = self._line_of(group.owner.name)
        self.sites.append(
            Site(self.path, line, owner, pattern, Outcome.REWRITTEN, group.summary)
        )

    def _line_of(self, node: cst.CSTNode) -> int:
        position = self.get_metadata(PositionProvider, node, None)
        if position is not None:
            return int(position.start.line)
        children = node.children
        return self._line_of(children[0]) if children else 0

    def _column_of(self, node: cst.CSTNode) -> int:
        position = self.get_metadata(PositionProvider, node, None)
        return int(position.start.column) if position is not None else 0

    def _qualified_names(self, node: cst.CSTNode) -> set[str]:
        return qualified_names(self, node)


def _distinct(refusals: list[Refusal]) -> list[Refusal]:
    seen: dict[str, Refusal] = {}
    for refusal in sorted(refusals, key=lambda r: r.line):
        seen.setdefault(refusal.key, refusal)
    return list(seen.values())
