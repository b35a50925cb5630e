"""What the analysis decided about each candidate site, and the options that steer it.

These types are the contract between the analysis and rewrite (``transform``)
and everything that reports on them (the CLI, JSON and SARIF output).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Pattern(str, enum.Enum):
    """The five shapes of lock-guarded statistics lockless knows."""

    COUNTERS = "counters"
    LIVE_VALUES = "live-values"
    IDENTITY = "identity"
    BREAKER = "breaker"
    TIMESTAMP = "timestamp"


class Outcome(str, enum.Enum):
    """What happened to one candidate site."""

    REWRITTEN = "rewritten"
    """Rewritten; behaviour is unchanged for independent monitoring values."""

    UNSAFE = "unsafe"
    """Rewritable only by changing when a decision is made; done only with --unsafe."""

    REFUSED = "refused"
    """Left byte-for-byte unchanged; ``Site.reason`` says why."""


@dataclass(frozen=True)
class Site:
    """One candidate: an owner class whose lock guards statistics.

    ``line`` is 1-based and points at the code the reason is about (the
    offending statement for a refusal, the owner class for a rewrite).
    """

    path: str
    line: int
    owner: str
    pattern: Pattern
    outcome: Outcome
    reason: str
    column: int = 0

    def describe(self) -> str:
        """The one-line text form: ``path:line: outcome: reason``."""
        return f"{self.path}:{self.line}: {self.outcome.value}: {self.reason}"


@dataclass(frozen=True)
class RewriteOptions:
    """How a rewrite is allowed to behave."""

    unsafe: bool = False
    """Also apply rewrites that change when a decision happens (circuit breakers)."""

    runtime_module: str = "lockless"
    """The module generated code imports its atomics from."""


@dataclass(frozen=True)
class RewriteResult:
    """The outcome of rewriting one module's source text."""

    code: str
    sites: tuple[Site, ...] = field(default_factory=tuple)

    @property
    def refused(self) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.outcome is Outcome.REFUSED)
