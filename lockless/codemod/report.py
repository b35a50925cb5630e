"""Turning the per-file reports of a run into text, JSON or SARIF, and an exit code.

Everything here builds strings; the CLI decides where they go. The JSON
document follows ``lockless/schemas/report.schema.json``; the SARIF log
follows SARIF 2.1.0 (one result per refused or unsafe site and per error).
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockless import __version__
from lockless.codemod.runner import FileReport, FileStatus, Mode
from lockless.codemod.sites import Outcome, Site

EXIT_OK = 0
"""Nothing to do, or everything done."""
EXIT_WOULD_CHANGE = 1
"""``--check`` found files that would be rewritten."""
EXIT_ERROR = 2
"""At least one file could not be processed, or the options/configuration are wrong."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C or SIGTERM; every file is either untouched or fully rewritten."""

JSON_REPORT_VERSION = 1
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Summary:
    """Counts over a whole run."""

    changed: int
    unchanged: int
    generated: int
    rewritten_sites: int
    refused_sites: int
    unsafe_sites: int
    errors: int

    @classmethod
    def of(cls, reports: Sequence[FileReport]) -> Summary:
        sites = [site for report in reports for site in report.sites]
        statuses = [report.status for report in reports]
        return cls(
            changed=statuses.count(FileStatus.CHANGED),
            unchanged=statuses.count(FileStatus.UNCHANGED),
            generated=statuses.count(FileStatus.GENERATED),
            rewritten_sites=_count(sites, Outcome.REWRITTEN),
            refused_sites=_count(sites, Outcome.REFUSED),
            unsafe_sites=_count(sites, Outcome.UNSAFE),
            errors=statuses.count(FileStatus.ERROR),
        )

    def exit_code(self, *, check: bool) -> int:
        if self.errors:
            return EXIT_ERROR
        if check and self.changed:
            return EXIT_WOULD_CHANGE
        return EXIT_OK

    def line(self, mode: Mode) -> str:
        """The one line a run ends with, e.g. ``2 files rewritten, 1 site refused.``"""
        done = "rewritten" if mode is Mode.WRITE else "would be rewritten"
        parts = [
            _plural(self.changed, "file") + f" {done}",
            _plural(self.unchanged + self.generated, "file") + " unchanged",
            _plural(self.refused_sites, "site") + " refused",
            _plural(self.unsafe_sites, "unsafe site"),
            _plural(self.errors, "error"),
        ]
        return ", ".join(parts) + "."


def _count(sites: Sequence[Site], outcome: Outcome) -> int:
    return sum(1 for site in sites if site.outcome is outcome)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def error_line(report: FileReport) -> str:
    """``path: error: message`` (with ``:line`` after the path when it is known)."""
    where = (
        report.path
        if report.error_line is None
        else f"{report.path}:{report.error_line}"
    )
    return f"{where}: error: {report.error}"


def text_lines(reports: Sequence[FileReport]) -> list[str]:
    """One line per refused or unsafe site and per error, in path order."""
    lines: list[str] = []
    for report in reports:
        if report.error is not None:
            lines.append(error_line(report))
        lines.extend(
            site.describe()
            for site in report.sites
            if site.outcome is not Outcome.REWRITTEN
        )
    return lines


def json_report(reports: Sequence[FileReport], mode: Mode, *, check: bool) -> str:
    """The ``--format json`` document: every site, every error, and the summary."""
    summary = Summary.of(reports)
    document = {
        "version": JSON_REPORT_VERSION,
        "tool": {"name": "lockless", "version": __version__},
        "mode": mode.value,
        "changed_files": [r.path for r in reports if r.status is FileStatus.CHANGED],
        "sites": [_site_object(site) for r in reports for site in r.sites],
        "errors": [_error_object(r) for r in reports if r.status is FileStatus.ERROR],
        "summary": {
            "changed_files": summary.changed,
            "unchanged_files": summary.unchanged,
            "generated_files": summary.generated,
            "rewritten_sites": summary.rewritten_sites,
            "refused_sites": summary.refused_sites,
            "unsafe_sites": summary.unsafe_sites,
            "errors": summary.errors,
            "exit_code": summary.exit_code(check=check),
        },
    }
    return json.dumps(document, indent=2)


def _site_object(site: Site) -> dict[str, Any]:
    return {
        "file": site.path,
        "line": site.line,
        "column": site.column,
        "owner": site.owner,
        "pattern": site.pattern.value,
        "outcome": site.outcome.value,
        "reason": site.reason,
    }


def _error_object(report: FileReport) -> dict[str, Any]:
    return {"file": report.path, "line": report.error_line, "message": report.error}


_SARIF_RULES = (
    ("refused", "Lock-guarded statistics left unchanged", "warning"),
    ("unsafe", "Rewrite changes when a decision is made", "warning"),
    ("error", "File could not be processed", "error"),
)


def sarif_report(reports: Sequence[FileReport]) -> str:
    """A SARIF 2.1.0 log with one result per refused/unsafe site and per error."""
    results: list[dict[str, Any]] = []
    for report in reports:
        if report.error is not None:
            results.append(
                _sarif_result("error", report.error, report.path, report.error_line)
            )
        for site in report.sites:
            if site.outcome is not Outcome.REWRITTEN:
                message = f"{site.owner}: {site.reason}"
                results.append(
                    _sarif_result(
                        site.outcome.value, message, site.path, site.line, site.column
                    )
                )

    rules = [
        {
            "id": rule_id,
            "name": rule_id.capitalize(),
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": level},
        }
        for rule_id, text, level in _SARIF_RULES
    ]
    driver = {"name": "lockless", "version": __version__, "rules": rules}
    log = {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }
    return json.dumps(log, indent=2)


def _sarif_result(
    rule_id: str, message: str, path: str, line: int | None, column: int = 0
) -> dict[str, Any]:
    index = [rule[0] for rule in _SARIF_RULES].index(rule_id)
    location: dict[str, Any] = {"artifactLocation": {"uri": _artifact_uri(path)}}
    if line is not None and line >= 1:
        region: dict[str, int] = {"startLine": line}
        if column > 0:
            region["startColumn"] = column + 1
        location["region"] = region
    return {
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": _SARIF_RULES[index][2],
        "message": {"text": message},
        "locations": [{"physicalLocation": location}],
    }


def _artifact_uri(path: str) -> str:
    """A relative path stays relative (code scanning wants that); else a file URI."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    relative = Path(path).as_posix()
    if relative.startswith("./"):
        relative = relative[2:]
    return urllib.parse.quote(relative)
