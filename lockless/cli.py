"""The ``lockless`` command: rewrite lock-guarded statistics in place, or check them.

stdout carries only what a program would read (a diff, the JSON or SARIF
document); findings, errors, progress and the closing summary line go to
stderr. See ``lockless --help`` for the options and exit codes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from lockless import __version__
from lockless.codemod import report
from lockless.codemod.config import (
    Settings,
    apply_overrides,
    find_pyproject,
    load_settings,
)
from lockless.codemod.files import discover
from lockless.codemod.runner import FileReport, FileStatus, Mode, run
from lockless.codemod.sites import RewriteOptions
from lockless.exceptions import ConfigError

PROGRESS_MIN_FILES = 200
"""Runs over fewer files than this show no progress display."""

_DESCRIPTION = """\
Rewrite classes whose statistics are guarded by threading.Lock to lock-free
atomic classes. Files are rewritten in place unless --check or --diff is given.
Refused and unsafe sites and errors are listed on stderr as path:line lines,
followed by one summary line; stdout carries only the diff or the JSON/SARIF
report.
"""

_EPILOG = """\
exit codes:
  0    nothing to do, or every rewrite done
  1    --check: some file would be rewritten
  2    an error: a file could not be processed (the rest still were),
       or the options or [tool.lockless] settings are invalid
  130  interrupted (Ctrl-C or SIGTERM); each file is unchanged or fully rewritten

Settings are read from [tool.lockless] in the nearest pyproject.toml above the
first PATH (keys: include, exclude, unsafe, jobs, runtime-module); options given
here take precedence.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lockless",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if any file would be rewritten",
    )
    parser.add_argument(
        "--diff", action="store_true", help="print a unified diff; write nothing"
    )
    parser.add_argument(
        "--unsafe",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also apply rewrites that change when a decision is made (breakers)",
    )
    parser.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="worker processes (default: cores)"
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="report format on stdout for json and sarif (default: text on stderr)",
    )
    parser.add_argument(
        "--config", metavar="FILE", help="read [tool.lockless] from this TOML file"
    )
    parser.add_argument(
        "--include",
        action="append",
        metavar="PATTERN",
        help="gitignore-style pattern of files to scan (default: *.py); repeatable",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERN",
        help="gitignore-style pattern of files or folders to skip; repeatable",
    )
    parser.add_argument(
        "--runtime-module",
        metavar="MODULE",
        help="module the generated code imports its atomics from (default: lockless)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print no summary line"
    )
    parser.add_argument(
        "--version", action="version", version=f"lockless {__version__}"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the epilog)."""
    arguments = build_parser().parse_args(argv)
    previous_handler = _handle_sigterm(_interrupt)
    try:
        settings = _settings(arguments)
        if arguments.diff and arguments.format != "text":
            raise ConfigError("--diff prints a text diff; it cannot go with --format")
        return _run(arguments, settings)
    except ConfigError as error:
        _print_error(f"lockless: error: {error}")
        return report.EXIT_ERROR
    except KeyboardInterrupt:
        _print_error(
            "lockless: interrupted; every file is unchanged or fully rewritten"
        )
        return report.EXIT_INTERRUPTED
    finally:
        _handle_sigterm(previous_handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _handle_sigterm(handler: Any) -> Any:
    """Install ``handler`` for SIGTERM and return the previous one.

    Only the main thread may install handlers; elsewhere (the command run from
    a thread) this does nothing, and SIGTERM keeps its usual meaning.
    """
    if handler is None or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler)


def _settings(arguments: argparse.Namespace) -> Settings:
    if arguments.config is not None:
        settings = load_settings(Path(arguments.config))
    else:
        pyproject = find_pyproject(Path(arguments.paths[0]))
        settings = load_settings(pyproject) if pyproject else Settings()
    return apply_overrides(
        settings,
        include=arguments.include,
        exclude=arguments.exclude,
        unsafe=arguments.unsafe,
        jobs=arguments.jobs,
        runtime_module=arguments.runtime_module,
    )


def _run(arguments: argparse.Namespace, settings: Settings) -> int:
    mode = (
        Mode.DIFF if arguments.diff else Mode.CHECK if arguments.check else Mode.WRITE
    )
    options = RewriteOptions(
        unsafe=settings.unsafe, runtime_module=settings.runtime_module
    )
    found = discover(
        arguments.paths, include=settings.include, exclude=settings.exclude
    )
    progress = _Progress.for_run(len(found.files), sys.stderr)

    reports = run(
        found.files, options, mode=mode, jobs=settings.jobs, progress=progress
    )
    progress.finish()
    failures = [
        FileReport(path=e.path, status=FileStatus.ERROR, error=e.message)
        for e in found.errors
    ]
    reports = sorted(reports + failures, key=lambda r: r.path)
    _print_reports(reports, arguments, mode)

    summary = report.Summary.of(reports)
    if not arguments.quiet:
        _print_error(summary.line(mode))
    return summary.exit_code(check=arguments.check)


def _print_reports(
    reports: list[FileReport], arguments: argparse.Namespace, mode: Mode
) -> None:
    if arguments.format == "json":
        print(report.json_report(reports, mode, check=arguments.check))
    elif arguments.format == "sarif":
        print(report.sarif_report(reports))
    else:
        for line in report.text_lines(reports):
            _print_error(line)
        for file_report in reports:
            if file_report.diff:
                sys.stdout.write(file_report.diff)
    sys.stdout.flush()


def _print_error(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class _Progress:
    """A one-line ``files done / total`` counter on an interactive stderr."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.shown_at = 0.0

    @classmethod
    def for_run(cls, total: int, stream: TextIO) -> _Progress:
        interactive = total >= PROGRESS_MIN_FILES and stream.isatty()
        return cls(stream if interactive and not os.environ.get("CI") else None)

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.stream is None or (now - self.shown_at < 0.1 and done < total):
            return
        self.shown_at = now
        self.stream.write(f"\rlockless: {done}/{total} files")
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is not None and self.shown_at:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


if __name__ == "__main__":
    sys.exit(main())
