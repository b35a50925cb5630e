"""The shared real-world cases: each header says REWRITE or REFUSE, and why.

The cases live in ``<repo>/../shared/cases`` (read-only). Rewrites are
compared with ``fixtures/shared_cases/<stem>/output.py`` and run under the
workload beside it; refusals must keep every byte and give a refused site at
the line and for the reason the header names (in lockless's own words).
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from golden_cases import SHARED_CASES, SHARED_FIXTURES, load, rewrite, unified_diff

from lockless.codemod.transform import rewrite_source

pytestmark = pytest.mark.skipif(
    not SHARED_CASES.is_dir(),
    reason=f"the shared cases folder {SHARED_CASES} is absent",
)

CASE_FILES = sorted(SHARED_CASES.glob("*.py")) if SHARED_CASES.is_dir() else []


def _expected(path: Path) -> str:
    match = re.search(r"Expected: (REWRITE|REFUSE)", path.read_text())
    assert match is not None, f"{path.name} has no Expected: header"
    return match.group(1)


REWRITES = [p for p in CASE_FILES if _expected(p) == "REWRITE"]
REFUSALS = [p for p in CASE_FILES if _expected(p) == "REFUSE"]

# For each refusal: (line, words) pairs; some refused site must be at that
# line and contain every word. The words restate the header's reason.
REFUSAL_REASONS: dict[str, list[tuple[int, tuple[str, ...]]]] = {
    "06_stats_object_under_cache_lock": [
        (29, ("also guards", "self.entries")),
        (38, ("resets", "hits", "misses", "together")),
    ],
    "08_named_probe_quota": [(32, ("decision", "self._total"))],
    "10_memo_info_shared_lock": [
        (14, ("supplied by the caller",)),
        (19, ("also guards", "self.cache")),
        (32, ("resets", "self._hits", "self._misses", "together")),
    ],
    "12_delta_sum_read_and_reset": [
        (16, ("None", "self._value")),
        (22, ("reads and resets", "self._value", "self._window_start", "together")),
    ],
    "14_capped_log_drop_counter": [(16, ("decision", "self._items"))],
    "17_capacity_count_locked_by_caller": [
        (24, ("self._made", "_make()", "acquire()", "holding self._lock")),
    ],
    "18_overflow_gate": [
        (21, ("decision", "self._extra")),
        (18, ("self._extra", "outside the lock")),
    ],
    "20_queue_last_put_at": [
        (11, ("supplied by the caller",)),
        (29, ("also guards", "self._q")),
    ],
    "22_session_rollup_swap": [
        (20, ("runtime keys", "not fixed fields")),
        (30, ("flush()", "reads and resets", "self._pending")),
    ],
}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


class TestRewrites:
    """REWRITE cases change, compile, are stable and behave the same."""

    @pytest.mark.parametrize("case", REWRITES, ids=_ids(REWRITES))
    def test_matches_the_reviewed_output(self, case: Path) -> None:
        expected = (SHARED_FIXTURES / case.stem / "output.py").read_text()

        actual, sites = rewrite(case.read_text(), case.name)

        assert actual != case.read_text()
        assert sites and all(s.outcome.value == "rewritten" for s in sites)
        if actual != expected:
            pytest.fail(unified_diff(expected, actual, f"{case.stem}/output.py"))

    @pytest.mark.parametrize("case", REWRITES, ids=_ids(REWRITES))
    def test_compiles_and_is_stable(self, case: Path) -> None:
        once, _ = rewrite(case.read_text(), case.name)

        compile(once, case.name, "exec")
        twice, _ = rewrite(once, case.name)

        assert twice == once

    @pytest.mark.parametrize("case", REWRITES, ids=_ids(REWRITES))
    def test_same_results_under_threads(self, case: Path) -> None:
        folder = SHARED_FIXTURES / case.stem
        workload = load(folder / "workload.py", f"shared_{case.stem[:2]}_workload")
        original = load(case, f"shared_{case.stem[:2]}_input")
        rewritten = load(folder / "output.py", f"shared_{case.stem[:2]}_output")

        expected = workload.run(original)
        actual = workload.run(rewritten)

        assert actual == expected


class TestRefusals:
    """REFUSE cases keep every byte and name the line and the reason."""

    @pytest.mark.parametrize("case", REFUSALS, ids=_ids(REFUSALS))
    def test_left_byte_identical(self, case: Path) -> None:
        code = case.read_text()

        result = rewrite_source(code, path=case.name)
        actual, sites = result.code, result.sites

        assert actual is code
        assert sites and all(s.outcome.value == "refused" for s in sites)

    @pytest.mark.parametrize("case", REFUSALS, ids=_ids(REFUSALS))
    def test_reason_and_line(self, case: Path) -> None:
        _, sites = rewrite(case.read_text(), case.name)
        refused = [s for s in sites if s.outcome.value == "refused"]

        expectations = REFUSAL_REASONS.get(case.stem)
        if expectations is None:
            # A breaker: another rule owns it; the refusal must sit in the class.
            assert case.stem.startswith("15_")
            assert any(s.owner == "Breaker" and 21 <= s.line <= 45 for s in refused)
            return
        for line, words in expectations:
            matching = [
                s
                for s in refused
                if s.line == line and all(w in s.reason for w in words)
            ]
            assert matching, f"no refused site at line {line} with {words}: {refused}"
            assert matching[0].describe().startswith(f"{case.name}:{line}: refused: ")


_DEADLOCK_PROBE = textwrap.dedent(
    """
    import importlib.util, os, sys, threading, time
    spec = importlib.util.spec_from_file_location("probed", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.setswitchinterval(1e-6)
    store = module.Store()
    store._data.update({1: 1})
    stop = time.monotonic() + 2.0

    def lookups():
        while time.monotonic() < stop:
            store.get(1)

    def reports():
        while time.monotonic() < stop:
            store.stats.report()

    threads = [threading.Thread(target=f, daemon=True) for f in (lookups, reports)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5.0
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    print("deadlock" if any(t.is_alive() for t in threads) else "finished", flush=True)
    os._exit(0)
    """
)


@pytest.mark.skipif(
    not (SHARED_FIXTURES / "05_cache_stats_live_size_abba").is_dir(),
    reason="case 05 has no reviewed output",
)
class TestCase05Deadlock:
    """Lookups and reports at once: the original deadlocks, the rewrite does not."""

    def _probe(self, path: Path) -> str:
        completed = subprocess.run(
            [sys.executable, "-c", _DEADLOCK_PROBE, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return completed.stdout.strip()

    def test_original_deadlocks(self) -> None:
        original = SHARED_CASES / "05_cache_stats_live_size_abba.py"

        assert self._probe(original) == "deadlock"

    def test_rewrite_finishes(self) -> None:
        rewritten = SHARED_FIXTURES / "05_cache_stats_live_size_abba" / "output.py"

        assert self._probe(rewritten) == "finished"
