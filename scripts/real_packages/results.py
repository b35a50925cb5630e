"""The result of one package's run, and how it is stored as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalog import PackageSpec
from .deadlock import DeadlockCheck
from .hammer import HammerCheck
from .rewriting import RewriteSummary
from .testrun import SuiteRun, regressions


@dataclass
class PackageResult:
    """Everything the report says about one package."""

    spec: PackageSpec
    lockless_commit: str
    network_isolated: bool
    before: SuiteRun | None = None
    after: SuiteRun | None = None
    rewrite: RewriteSummary | None = None
    deadlock_before: DeadlockCheck | None = None
    deadlock_after: DeadlockCheck | None = None
    hammer_before: HammerCheck | None = None
    hammer_after: HammerCheck | None = None
    harness_error: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def regressions(self) -> list[str]:
        if self.before is None or self.after is None:
            return []
        return regressions(self.before, self.after)

    def hammer_failed(self) -> bool:
        """The threaded check passed on the pristine copy and not after."""
        before, after = self.hammer_before, self.hammer_after
        return bool(before and after and before.passed and not after.passed)

    def to_json(self) -> dict[str, Any]:
        return {
            "package": self.spec.name,
            "version": self.spec.version,
            "source_dir": self.spec.source_dir,
            "test_scope": self.spec.test_scope,
            "lockless_commit": self.lockless_commit,
            "network_isolated": self.network_isolated,
            "seconds": round(self.seconds, 1),
            "harness_error": self.harness_error,
            "tests_before": _run_json(self.before),
            "tests_after": _run_json(self.after),
            "regressions": self.regressions(),
            "rewrite": self.rewrite.to_json() if self.rewrite else None,
            "deadlock_before": _check_json(self.deadlock_before),
            "deadlock_after": _check_json(self.deadlock_after),
            "hammer_before": _hammer_json(self.hammer_before),
            "hammer_after": _hammer_json(self.hammer_after),
            "notes": self.notes,
        }


def _run_json(run: SuiteRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    not_passing = {
        test_id: outcome
        for test_id, outcome in sorted(run.outcomes.items())
        if outcome in ("failed", "errors")
    }
    return {
        **run.counts(),
        "exit_code": run.exit_code,
        "timed_out": run.timed_out,
        "summary": run.summary,
        "not_passing": not_passing,
    }


def _check_json(check: DeadlockCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {"deadlocked": check.deadlocked, **check.detail, "text": check.describe()}


def _hammer_json(check: HammerCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {**check.detail, "passed": check.passed, "text": check.describe()}
