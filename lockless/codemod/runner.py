"""Running the rewrite over many files: pre-filter, parallel workers, atomic writes.

The calling process reads every discovered file once and keeps only those
the pre-filter lets through; only those are decoded, parsed and rewritten,
in worker processes when there are enough of them to pay for starting the
workers. Each file ends as one :class:`FileReport`; a problem with one file
never stops the run.
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Protocol

from lockless.codemod.files import (
    SourceAccessError,
    decode_source,
    read_source,
    replace_file,
)
from lockless.codemod.prefilter import looks_generated, may_hold_guarded_stats
from lockless.codemod.sites import RewriteOptions, RewriteResult, Site
from lockless.exceptions import InvalidInput, RewriteFailed

IN_PROCESS_LIMIT = 8
"""Up to this many candidate files are rewritten without starting workers."""


class Transform(Protocol):
    """The rewrite entry point (``lockless.codemod.transform.rewrite_source``)."""

    def __call__(
        self, code: str, *, path: str, options: RewriteOptions
    ) -> RewriteResult: ...


class Mode(str, enum.Enum):
    """What a run does with the rewritten text."""

    WRITE = "write"
    CHECK = "check"
    DIFF = "diff"


class FileStatus(str, enum.Enum):
    """How one file ended."""

    CHANGED = "changed"
    """Rewritten (or, with --check/--diff, would be)."""
    UNCHANGED = "unchanged"
    GENERATED = "generated"
    """Marked as generated; not analysed."""
    ERROR = "error"


@dataclass(frozen=True)
class FileReport:
    """What happened to one file."""

    path: str
    status: FileStatus
    sites: tuple[Site, ...] = ()
    error: str | None = None
    error_line: int | None = None
    diff: str | None = None


ProgressCallback = Callable[[int, int], None]
"""Called with (files done, files in total) as the run advances."""


def run(
    paths: Sequence[str],
    options: RewriteOptions,
    *,
    mode: Mode = Mode.WRITE,
    jobs: int | None = None,
    transform: Transform | None = None,
    progress: ProgressCallback | None = None,
) -> list[FileReport]:
    """Rewrite every file in ``paths``; reports come back sorted by path."""
    reports: list[FileReport] = []
    candidates: list[str] = []
    for path in paths:
        screened = screen_file(path)
        if screened is None:
            candidates.append(path)
            continue
        reports.append(screened)
        if progress is not None:
            progress(len(reports), len(paths))

    workers = min(jobs or os.cpu_count() or 1, len(candidates))
    for report in _rewrite_all(candidates, options, mode, workers, transform):
        reports.append(report)
        if progress is not None:
            progress(len(reports), len(paths))
    return sorted(reports, key=lambda report: report.path)


def screen_file(path: str) -> FileReport | None:
    """A final report for a file that needs no parsing, or None for a candidate."""
    try:
        data, _ = read_source(path)
    except SourceAccessError as error:
        return FileReport(path=path, status=FileStatus.ERROR, error=str(error))
    if looks_generated(data):
        return FileReport(path=path, status=FileStatus.GENERATED)
    if not may_hold_guarded_stats(data):
        return FileReport(path=path, status=FileStatus.UNCHANGED)
    return None


def _rewrite_all(
    candidates: list[str],
    options: RewriteOptions,
    mode: Mode,
    workers: int,
    transform: Transform | None,
) -> Iterator[FileReport]:
    if workers <= 1 or len(candidates) <= IN_PROCESS_LIMIT:
        for path in candidates:
            yield rewrite_file(path, options, mode, transform)
        return

    # Loaded before the workers start, so that forked workers share one import.
    with contextlib.suppress(ImportError):
        transform = transform or _load_transform()
    # Workers finish the file in hand when the run is stopped; cancel the rest.
    executor = ProcessPoolExecutor(max_workers=workers, initializer=_worker_setup)
    try:
        # Largest first: one big file started last would leave the other workers idle.
        futures: dict[Future[FileReport], str] = {
            executor.submit(rewrite_file, path, options, mode, transform): path
            for path in sorted(candidates, key=_size, reverse=True)
        }
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                message = "a worker process died (out of memory?); file left unchanged"
                yield FileReport(futures[future], FileStatus.ERROR, error=message)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _worker_setup() -> None:
    """Leave Ctrl-C to the main process; let a terminated worker clean up first.

    On Ctrl-C the main process cancels the files not yet started and waits
    for those in hand, so every file is either untouched or fully rewritten.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)


def _stop_worker(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def rewrite_file(
    path: str,
    options: RewriteOptions,
    mode: Mode,
    transform: Transform | None = None,
) -> FileReport:
    """Decode, rewrite and (in WRITE mode) replace one file; errors become reports."""
    try:
        data, permissions = read_source(path)
        source = decode_source(data)
        result = (transform or _load_transform())(
            source.text, path=path, options=options
        )
        if result.code == source.text:
            return FileReport(path, FileStatus.UNCHANGED, sites=result.sites)
        new_data = source.encode(result.code)
    except (SourceAccessError, RewriteFailed) as error:
        return FileReport(path, FileStatus.ERROR, error=str(error))
    except InvalidInput as error:
        message = _without_location(str(error), path, error.line)
        return FileReport(path, FileStatus.ERROR, error=message, error_line=error.line)
    except Exception as error:  # noqa: BLE001 - a bug on one file must not end the run
        message = f"internal error, please report: {type(error).__name__}: {error}"
        return FileReport(path, FileStatus.ERROR, error=message)

    diff = _unified_diff(path, source.text, result.code) if mode is Mode.DIFF else None
    if mode is Mode.WRITE and new_data != data:
        try:
            replace_file(path, new_data, permissions)
        except SourceAccessError as error:
            return FileReport(
                path, FileStatus.ERROR, sites=result.sites, error=str(error)
            )
    return FileReport(path, FileStatus.CHANGED, sites=result.sites, diff=diff)


def _without_location(message: str, path: str, line: int | None) -> str:
    """The message without a leading ``path:line:``; the report adds its own."""
    for prefix in (f"{path}:{line}: ", f"{path}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _load_transform() -> Transform:
    # Imported here so that libcst loads only once a file survives the pre-filter.
    from lockless.codemod.transform import rewrite_source

    transform: Transform = rewrite_source
    return transform


def _unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
