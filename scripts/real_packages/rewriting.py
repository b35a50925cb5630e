"""Run the lockless command over a package's source folder and read its report."""

from __future__ import annotations

import difflib
import importlib.util
import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CLI_TIMEOUT = 900
"""Seconds the lockless command may take over one package."""


@dataclass(frozen=True)
class SiteRecord:
    """One candidate site, with its path relative to the unpacked sdist."""

    path: str
    line: int
    owner: str
    pattern: str
    outcome: str
    reason: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class RewriteSummary:
    """What lockless did to one package's source folder."""

    exit_code: int
    files_changed: list[str] = field(default_factory=list)
    files_unchanged: int = 0
    sites: list[SiteRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """``path:line: error: message`` for every file lockless could not handle."""

    diffs: dict[str, str] = field(default_factory=dict)
    """Unified diff of every changed file, by path."""

    def outcome_count(self, outcome: str) -> int:
        return sum(1 for site in self.sites if site.outcome == outcome)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sites"] = [asdict(site) for site in self.sites]
        return data


class RewriteCrashed(RuntimeError):
    """The lockless command did not produce its JSON report."""


def rewrite_tree(tree: Path, source_dir: str, log: Path) -> RewriteSummary:
    """Rewrite ``tree / source_dir`` in place with ``lockless --format json``."""
    command = [sys.executable, "-m", "lockless", "--format", "json", source_dir]
    try:
        done = subprocess.run(
            command,
            cwd=tree,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RewriteCrashed(f"lockless took over {CLI_TIMEOUT}s") from exc
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"$ {' '.join(command)}\n{done.stderr}\n{done.stdout}")
    try:
        document = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        message = f"lockless exited {done.returncode} without a report: {last}"
        raise RewriteCrashed(message) from exc
    return summary_from_report(document, done.returncode)


def record_diffs(summary: RewriteSummary, pristine: Path, rewritten: Path) -> None:
    """Keep a unified diff of each changed file, for the report."""
    for relative in summary.files_changed:
        before = (pristine / relative).read_text(errors="replace").splitlines(True)
        after = (rewritten / relative).read_text(errors="replace").splitlines(True)
        lines = difflib.unified_diff(before, after, f"a/{relative}", f"b/{relative}")
        summary.diffs[relative] = "".join(lines)


def summary_from_report(document: dict[str, Any], exit_code: int) -> RewriteSummary:
    """Read the ``lockless --format json`` document."""
    summary = RewriteSummary(
        exit_code=exit_code,
        files_changed=list(document["changed_files"]),
        files_unchanged=document["summary"]["unchanged_files"],
    )
    for site in document["sites"]:
        summary.sites.append(
            SiteRecord(
                path=site["file"],
                line=site["line"],
                owner=site["owner"],
                pattern=site["pattern"],
                outcome=site["outcome"],
                reason=site["reason"],
            )
        )
    for error in document["errors"]:
        where = (
            error["file"]
            if error["line"] is None
            else f"{error['file']}:{error['line']}"
        )
        summary.errors.append(f"{where}: error: {error['message']}")
    return summary


def codemod_available() -> bool:
    """Whether both the command and the rewrite it drives are installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("lockless.cli", "lockless.codemod.transform")
    )
