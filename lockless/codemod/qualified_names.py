"""Qualified names of single nodes, computed when asked from the scope metadata.

libcst's ``QualifiedNameProvider`` visits the whole module once more to attach
the qualified names of every node, while the rules only ask about a handful
(lock factories, dataclass decorators). ``qualified_names`` gives the same
answer as that provider for one node, from ``ScopeProvider`` alone; a visitor
that uses it declares ``ScopeProvider`` in its ``METADATA_DEPENDENCIES``.
"""

from __future__ import annotations

import libcst as cst
from libcst import MetadataDependent
from libcst.metadata import ScopeProvider


def qualified_names(visitor: MetadataDependent, node: cst.CSTNode) -> set[str]:
    """What ``QualifiedNameProvider`` names ``node`` (``threading.Lock``...)."""
    scope = visitor.get_metadata(ScopeProvider, node, None)
    if not scope:
        return set()
    return {qualified.name for qualified in scope.get_qualified_names_for(node)}
