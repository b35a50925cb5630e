"""Run a package's tests offline and count the outcome of every test."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import PackageSpec
from .workspace import PackageDirs

PER_TEST_TIMEOUT = 120
"""Seconds pytest-timeout allows a single test before failing it."""

OUTCOMES = ("passed", "failed", "skipped", "errors")


@dataclass
class SuiteRun:
    """Counts and per-test outcomes of one run of a package's tests."""

    exit_code: int | None
    outcomes: dict[str, str] = field(default_factory=dict)
    """Test id to one of :data:`OUTCOMES`."""

    timed_out: bool = False
    summary: str = ""
    """pytest's closing line, as printed."""

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)

    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOMES}


def network_isolation() -> list[str]:
    """A command prefix that runs its command without any network but loopback.

    Empty when no network namespace can be made (not root, no ``unshare``);
    the caller reports that the run was not isolated.
    """
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare is None or ip is None:
        return []
    prefix = [unshare, "--net", "sh", "-c", f'{ip} link set lo up && exec "$@"', "-"]
    probe = subprocess.run(
        [*prefix, "true"], capture_output=True, timeout=30, check=False
    )
    return prefix if probe.returncode == 0 else []


def run_tests(
    spec: PackageSpec, dirs: PackageDirs, tree: Path, isolation: list[str]
) -> SuiteRun:
    """Run the package's pytest selection in ``tree`` and read its junit report."""
    report = dirs.logs / f"junit-{tree.name}.xml"
    report.unlink(missing_ok=True)
    command = [*isolation, str(dirs.python), "-m", "pytest", *spec.pytest_args]
    command += ["-o", "addopts=", "-p", "no:cacheprovider", "-q", "-rN"]
    command += [f"--timeout={PER_TEST_TIMEOUT}", f"--junitxml={report}"]
    # As in an activated virtualenv: tests that start ``python`` get this one.
    path = f"{dirs.python.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, **spec.env, "PATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    log = dirs.logs / f"tests-{tree.name}.log"
    with log.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run(
                command,
                cwd=tree,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                timeout=spec.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return SuiteRun(exit_code=None, timed_out=True, summary="timed out")
    run = SuiteRun(exit_code=done.returncode, summary=_closing_line(log))
    if report.is_file():
        run.outcomes = read_junit(report)
    return run


def read_junit(report: Path) -> dict[str, str]:
    """Test id to outcome, from a pytest junit XML report."""
    outcomes: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcomes[test_id] = _worst(outcomes.get(test_id), _case_outcome(case))
    return outcomes


def _case_outcome(case: ElementTree.Element) -> str:
    tags = {child.tag for child in case}
    if "failure" in tags:
        return "failed"
    if "error" in tags:
        return "errors"
    if "skipped" in tags:
        return "skipped"
    return "passed"


def _worst(previous: str | None, current: str) -> str:
    # pytest reports a teardown error as a second entry for the same test.
    order = ("passed", "skipped", "errors", "failed")
    if previous is None:
        return current
    return max(previous, current, key=order.index)


def _closing_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    for line in reversed(lines):
        if line and (" passed" in line or " failed" in line or " error" in line):
            return line.strip("= ")
    return lines[-1] if lines else ""


def regressions(before: SuiteRun, after: SuiteRun) -> list[str]:
    """Tests that passed on the pristine copy and did not pass after the rewrite."""
    if after.timed_out and not before.timed_out:
        return ["<the whole test run timed out>"]
    lost = []
    for test_id, outcome in sorted(before.outcomes.items()):
        if outcome == "passed" and after.outcomes.get(test_id) != "passed":
            lost.append(f"{test_id} ({after.outcomes.get(test_id, 'missing')})")
    return lost
