"""The golden cases in fixtures/<pattern>/<case>/ (see golden_cases.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_cases import golden_cases, load, report_text, rewrite, unified_diff

from lockless.codemod.transform import rewrite_source

CASES = golden_cases()
PASSING = [c for c in CASES if not c.name.startswith("xfail_")]
KNOWN_LIMITS = [c for c in CASES if c.name.startswith("xfail_")]
WORKLOADS = [c for c in PASSING if (c / "workload.py").exists()]


def _ids(cases: list[Path]) -> list[str]:
    return [case.name for case in cases]


def _read(case: Path, name: str) -> str:
    return (case / name).read_text()


class TestGolden:
    """Output and report of each case are exactly the expected files."""

    @pytest.mark.parametrize("case", PASSING, ids=_ids(PASSING))
    def test_output(self, case: Path) -> None:
        expected = _read(case, "output.py")

        actual, _ = rewrite(_read(case, "input.py"))

        if actual != expected:
            pytest.fail(unified_diff(expected, actual, f"{case.name}/output.py"))

    @pytest.mark.parametrize("case", PASSING, ids=_ids(PASSING))
    def test_report(self, case: Path) -> None:
        _, sites = rewrite(_read(case, "input.py"))

        assert report_text(sites) == _read(case, "report.txt")

    @pytest.mark.parametrize("case", PASSING, ids=_ids(PASSING))
    def test_output_compiles(self, case: Path) -> None:
        compile(_read(case, "output.py"), f"{case.name}/output.py", "exec")

    @pytest.mark.parametrize("case", PASSING, ids=_ids(PASSING))
    def test_second_run_changes_nothing(self, case: Path) -> None:
        once = _read(case, "output.py")

        twice, _ = rewrite(once)

        assert twice == once

    @pytest.mark.parametrize("case", PASSING, ids=_ids(PASSING))
    def test_refusal_keeps_every_byte(self, case: Path) -> None:
        code = _read(case, "input.py")

        result = rewrite_source(code, path="input.py")
        actual, sites = result.code, result.sites

        if sites and all(s.outcome.value == "refused" for s in sites):
            assert actual is code
        else:
            assert (case / "workload.py").exists(), "a rewrite case needs a workload"


class TestKnownLimits:
    """Shortcomings marked with a TODO where they live; output.py is the goal."""

    @pytest.mark.xfail(strict=True, reason="known limitation, see the case input")
    @pytest.mark.parametrize("case", KNOWN_LIMITS, ids=_ids(KNOWN_LIMITS))
    def test_output(self, case: Path) -> None:
        actual, _ = rewrite(_read(case, "input.py"))

        assert actual == _read(case, "output.py")


class TestWorkloads:
    """The original and the rewrite give the same results under a threaded workload."""

    @pytest.mark.parametrize("case", WORKLOADS, ids=_ids(WORKLOADS))
    def test_same_results(self, case: Path) -> None:
        workload = load(case / "workload.py", f"golden_{case.name}_workload")
        original = load(case / "input.py", f"golden_{case.name}_input")
        rewritten = load(case / "output.py", f"golden_{case.name}_output")

        expected = workload.run(original)
        actual = workload.run(rewritten)

        assert actual == expected
        assert any(name.startswith("Atomic") for name in vars(rewritten))
