"""The gate: never rules out a module or a rule that the full analysis reports on.

The main check runs every fixture input, every shared case and a sample of
standard-library modules through ``rewrite_source`` and through
``rewrite_source_ungated`` (every rule, no gate) and asserts that the two give
the same text and the same sites, and that every site's rule was allowed.
"""

from __future__ import annotations

import sysconfig
import textwrap
from pathlib import Path

import pytest

from lockless.codemod import transform
from lockless.codemod.gate import RulesToRun, rules_to_run
from lockless.codemod.sites import Pattern, RewriteOptions

REPO = Path(__file__).resolve().parents[2]
SHARED_CASES = REPO.parent / "shared" / "cases"
STDLIB = Path(sysconfig.get_paths()["stdlib"])

# Modules with locks of several kinds, small enough to analyse in a test run.
# Some have sites (refusals), some take locks without counting anything.
STDLIB_SAMPLE = (
    "queue.py",
    "sched.py",
    "multiprocessing/heap.py",
    "multiprocessing/queues.py",
    "multiprocessing/resource_sharer.py",
    "multiprocessing/resource_tracker.py",
    "multiprocessing/synchronize.py",
    "concurrent/futures/_base.py",
    "asyncio/locks.py",
)


def _inputs() -> list[Path]:
    found = sorted((REPO / "fixtures").glob("**/input.py"))
    if SHARED_CASES.is_dir():
        found.extend(sorted(SHARED_CASES.glob("*.py")))
    found.extend(STDLIB / name for name in STDLIB_SAMPLE if (STDLIB / name).exists())
    return found


def _label(path: Path) -> str:
    for root in (REPO, SHARED_CASES.parent, STDLIB):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return str(path)


class TestSupersetOfAnalysis:
    """Whatever the full analysis reports, the gate lets through."""

    @pytest.mark.parametrize("path", _inputs(), ids=_label)
    def test_gate_changes_no_outcome(self, path: Path) -> None:
        code = path.read_text(encoding="utf-8")
        options = RewriteOptions(unsafe="breaker" in path.parts)

        full = transform.rewrite_source_ungated(code, path="m.py", options=options)
        gated = transform.rewrite_source(code, path="m.py", options=options)
        rules = rules_to_run(code)

        assert gated == full
        breaker_sites = [s for s in full.sites if s.pattern is Pattern.BREAKER]
        other_sites = [s for s in full.sites if s.pattern is not Pattern.BREAKER]
        assert rules.breakers or not breaker_sites
        assert rules.statistics or not other_sites

    def test_the_inputs_include_modules_with_and_without_sites(self) -> None:
        rules = [rules_to_run(p.read_text(encoding="utf-8")) for p in _inputs()]

        assert any(r.statistics for r in rules)
        assert any(r.breakers for r in rules)
        assert any(not r for r in rules)


def _rules(code: str) -> RulesToRun:
    return rules_to_run(textwrap.dedent(code))


COUNTER = """
    import threading as th

    class Counter:
        def __init__(self):
            self._lock = th.Lock()
            self._hits = 0

        def hit(self):
            with self._lock:
                self._hits += 1
"""


class TestStatisticsRule:
    """Which shapes let the statistics rule run."""

    def test_counting_under_an_aliased_lock(self) -> None:
        assert _rules(COUNTER) == RulesToRun(statistics=True, breakers=False)

    def test_a_lock_from_another_module_is_not_a_lock(self) -> None:
        code = COUNTER.replace("import threading as th", "import _thread as th")

        assert not _rules(code)

    def test_a_lock_taken_around_nothing_counted(self) -> None:
        code = COUNTER.replace("self._hits += 1", "self._hits = None")

        assert not _rules(code)

    def test_a_counting_method_called_under_the_lock(self) -> None:
        code = COUNTER.replace(
            "self._hits += 1",
            "self._count()\n\n    def _count(self):\n    self._n += 1",
        )
        code = textwrap.dedent(code).replace("\n    self._n", "\n            self._n")

        assert rules_to_run(code).statistics

    def test_a_lock_only_acquired_in_a_counting_class(self) -> None:
        code = COUNTER.replace(
            "with self._lock:\n                self._hits += 1",
            "self._lock.acquire()\n            self._hits += 1",
        )

        assert _rules(code).statistics

    def test_a_clock_stored_under_the_lock(self) -> None:
        code = COUNTER.replace("self._hits += 1", "self._seen = time.monotonic()")

        assert _rules(code).statistics

    def test_a_datetime_call_spread_over_lines(self) -> None:
        code = COUNTER.replace("self._hits += 1", "self._seen = now(\n  datetime.UTC)")

        assert _rules(code).statistics

    def test_a_lock_handed_in_by_the_caller(self) -> None:
        code = COUNTER.replace(
            "def __init__(self):", "def __init__(self, lock: th.Lock):"
        )
        code = code.replace("th.Lock()", "lock")

        assert _rules(code).statistics


class TestBreakerRule:
    """Which shapes let the circuit-breaker rule run."""

    def test_a_state_string_stored_beside_a_lock(self) -> None:
        code = COUNTER.replace("self._hits = 0", "self._state = 'half-open'")

        assert _rules(code).breakers

    def test_an_enum_member_named_like_a_state(self) -> None:
        code = COUNTER.replace("self._hits = 0", "self._state = State.OPEN")

        assert _rules(code).breakers

    def test_no_state_no_breaker(self) -> None:
        assert not _rules(COUNTER).breakers


class TestRewriteSource:
    """What ``rewrite_source`` does with the gate's answer."""

    def test_a_module_without_sites_is_not_parsed_by_libcst(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse(code: str) -> None:
            raise AssertionError("libcst was asked to parse")

        monkeypatch.setattr(transform.cst, "parse_module", refuse)
        code = "import threading\n\nclass Idle:\n    lock = threading.Lock()\n"

        result = transform.rewrite_source(code)

        assert result.code == code
        assert result.sites == ()

    def test_unparsable_code_goes_on_to_report_the_error(self) -> None:
        assert rules_to_run("def broken(:\n") == RulesToRun(True, True)
