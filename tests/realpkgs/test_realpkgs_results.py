"""The real-package harness: junit counting, regressions, lockless reports, markdown."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from real_packages.catalog import CATALOG, find_spec  # noqa: E402
from real_packages.report import render_markdown  # noqa: E402
from real_packages.results import PackageResult  # noqa: E402
from real_packages.rewriting import (  # noqa: E402
    RewriteSummary,
    record_diffs,
    summary_from_report,
)
from real_packages.testrun import SuiteRun, read_junit, regressions  # noqa: E402
from real_packages.workspace import PackageDirs, _find_archive  # noqa: E402

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.test_a" name="test_ok" time="0.1"/>
  <testcase classname="tests.test_a" name="test_bad"><failure message="x"/></testcase>
  <testcase classname="tests.test_a" name="test_skip"><skipped message="s"/></testcase>
  <testcase classname="tests.test_a" name="test_td"/>
  <testcase classname="tests.test_a" name="test_td"><error message="t"/></testcase>
  <testcase classname="" name="tests.test_broken"><error message="collect"/></testcase>
</testsuite></testsuites>
"""

LOCKLESS_REPORT = {
    "version": 1,
    "changed_files": ["pkg/stats.py"],
    "sites": [
        {
            "file": "pkg/stats.py",
            "line": 12,
            "column": 0,
            "owner": "Tracker",
            "pattern": "live-values",
            "outcome": "rewritten",
            "reason": "counters are independent",
        },
        {
            "file": "pkg/cache.py",
            "line": 40,
            "column": 4,
            "owner": "Cache",
            "pattern": "counters",
            "outcome": "refused",
            "reason": "the lock also guards the entries dict",
        },
    ],
    "errors": [{"file": "pkg/bad.py", "line": 3, "message": "cannot parse"}],
    "summary": {"unchanged_files": 5},
}


class TestJunitCounts:
    """Every test case gets exactly one outcome, the worst it reported."""

    def test_outcomes(self, tmp_path: Path) -> None:
        report = tmp_path / "junit.xml"
        report.write_text(JUNIT)

        run = SuiteRun(exit_code=1, outcomes=read_junit(report))

        assert run.counts() == {"passed": 1, "failed": 1, "skipped": 1, "errors": 2}
        assert run.outcomes["tests.test_a::test_td"] == "errors"


class TestRegressions:
    """A regression is a test that passed before and does not pass after."""

    def test_failed_and_missing_tests_count(self) -> None:
        before = SuiteRun(0, {"a": "passed", "b": "passed", "c": "failed"})
        after = SuiteRun(1, {"a": "failed", "c": "passed"})

        lost = regressions(before, after)

        assert lost == ["a (failed)", "b (missing)"]

    def test_same_outcomes_are_no_regression(self) -> None:
        before = SuiteRun(1, {"a": "passed", "b": "failed", "c": "skipped"})

        assert regressions(before, SuiteRun(1, dict(before.outcomes))) == []

    def test_timeout_after_only_is_a_regression(self) -> None:
        before = SuiteRun(0, {"a": "passed"})
        after = SuiteRun(None, timed_out=True)

        assert regressions(before, after) == ["<the whole test run timed out>"]


class TestLocklessReport:
    """The JSON document of ``lockless --format json`` becomes site records."""

    def test_sites_and_errors(self) -> None:
        summary = summary_from_report(LOCKLESS_REPORT, exit_code=2)

        assert summary.outcome_count("rewritten") == 1
        assert summary.sites[1].describe() == (
            "pkg/cache.py:40: the lock also guards the entries dict"
        )
        assert summary.errors == ["pkg/bad.py:3: error: cannot parse"]
        assert summary.files_changed == ["pkg/stats.py"]


class TestDiffs:
    """Each changed file's diff is kept for the report."""

    def test_diff_of_changed_file(self, tmp_path: Path) -> None:
        for tree, line in (("pristine", "x = 1\n"), ("rewritten", "x = 2\n")):
            (tmp_path / tree / "pkg").mkdir(parents=True)
            (tmp_path / tree / "pkg" / "stats.py").write_text(line)
        summary = summary_from_report(LOCKLESS_REPORT, exit_code=0)

        record_diffs(summary, tmp_path / "pristine", tmp_path / "rewritten")

        diff = summary.diffs["pkg/stats.py"]
        assert "-x = 1\n+x = 2\n" in diff
        assert "<summary>diff of pkg/stats.py</summary>" in render_markdown(
            [_result_with(summary).to_json()]
        )


def _result_with(summary: RewriteSummary) -> PackageResult:
    result = PackageResult(find_spec("pyformance"), "abc123", network_isolated=True)
    result.rewrite = summary
    return result


class TestMarkdown:
    """The results page names every site with file:line and the test counts."""

    def test_render(self) -> None:
        spec = find_spec("cacheout")
        result = PackageResult(spec, "abc123", network_isolated=True)
        result.before = SuiteRun(0, {"a": "passed", "b": "passed"})
        result.after = SuiteRun(1, {"a": "passed", "b": "failed"})
        result.rewrite = summary_from_report(LOCKLESS_REPORT, exit_code=2)

        text = render_markdown([result.to_json()])

        assert (
            "| cacheout 0.17.0 | 1 | 0 | 1 | 1 | 2 / 0 / 0 / 0 | 1 / 1 / 0 / 0 | 1 |"
            in text
        )
        assert "`pkg/cache.py:40`: refused (Cache)" in text
        assert "- `b (failed)`" in text


class TestCatalog:
    """Packages are found by any spelling pip accepts, archives by pin."""

    def test_find_spec_normalises(self) -> None:
        assert find_spec("Opentelemetry_SDK").name == "opentelemetry-sdk"

    def test_unknown_package(self) -> None:
        with pytest.raises(KeyError, match="nope"):
            find_spec("nope")

    def test_names_are_unique(self) -> None:
        assert len({spec.name.lower() for spec in CATALOG}) == len(CATALOG)

    @pytest.mark.parametrize(
        ("package", "archive"),
        [
            ("SQLAlchemy", "sqlalchemy-2.1.9.tar.gz"),
            ("kafka-python", "kafka_python-3.0.12.tar.gz"),
            ("sentry-sdk", "sentry_sdk-2.76.0.tar.gz"),
        ],
    )
    def test_archive_found_by_pin(
        self, tmp_path: Path, package: str, archive: str
    ) -> None:
        (tmp_path / archive).write_bytes(b"")
        (tmp_path / archive.replace(".tar.gz", "1.tar.gz")).write_bytes(b"")
        dirs = PackageDirs(root=tmp_path / "x", downloads=tmp_path)

        assert _find_archive(find_spec(package), dirs.downloads) == tmp_path / archive
