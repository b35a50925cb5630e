"""How long a check-only scan of the standard library takes: lockless against libcst.

Copies the running interpreter's standard library (without site-packages and
caches) to a temporary folder, then times, over that same tree and with the
same number of jobs:

- ``lockless --check`` as a fresh process (start-up included), which
  pre-filters on bytes and parses only candidate files;
- libcst's own runner, ``parallel_exec_transform_with_prettyprint``, with a
  codemod that changes nothing, which parses every file.

Both only read. Prints the two times and their ratio, and the load average
before and after (the numbers mean little on a busy machine). The goal is a
scan under 3 s on 2 cores and at least 20 times faster than libcst's runner.
With ``--worst N`` it also rewrites every candidate file in this process, one
at a time, and lists the N slowest with their times.

Usage: python benchmarks/scan_speed.py [--jobs N] [--skip-libcst] [--worst N]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from libcst.codemod import (
    VisitorBasedCodemodCommand,
    gather_files,
    parallel_exec_transform_with_prettyprint,
)

from lockless.codemod.files import decode_source, discover, read_source
from lockless.codemod.runner import screen_file
from lockless.codemod.sites import RewriteOptions
from lockless.exceptions import InvalidInput, RewriteFailed

COPY_IGNORES = shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc")


def copy_stdlib(destination: Path) -> Path:
    tree = destination / "stdlib"
    shutil.copytree(
        sysconfig.get_paths()["stdlib"], tree, ignore=COPY_IGNORES, symlinks=True
    )
    return tree


def time_lockless(tree: Path, jobs: int) -> tuple[float, str]:
    """Seconds for ``lockless --check`` in a new process, and its summary line."""
    command = [sys.executable, "-m", "lockless", "--check", "-j", str(jobs), str(tree)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1, 2):
        raise SystemExit(f"lockless failed ({result.returncode}):\n{result.stderr}")
    summary = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    return elapsed, summary


def time_prefilter(tree: Path) -> tuple[float, int, int, int]:
    """Seconds for discovery plus the bytes pre-filter alone, in this process.

    Returns the time, the number of files, the number of candidates left for
    the analysis, and their total size in bytes: what the analysis costs is
    the whole time minus this.
    """
    started = time.perf_counter()
    files = discover([str(tree)]).files
    candidates = [path for path in files if screen_file(path) is None]
    elapsed = time.perf_counter() - started
    size = sum(os.path.getsize(path) for path in candidates)
    return elapsed, len(files), len(candidates), size


def time_each_candidate(tree: Path) -> list[tuple[float, str, int]]:
    """Seconds of ``rewrite_source`` on each candidate file, slowest first.

    Each entry also holds the file's path and its number of sites (-1 when
    the file could not be decoded or rewritten).
    """
    from lockless.codemod.transform import rewrite_source

    timings: list[tuple[float, str, int]] = []
    for path in discover([str(tree)]).files:
        if screen_file(path) is not None:
            continue
        data, _ = read_source(path)
        started = time.perf_counter()
        try:
            text = decode_source(data).text
            result = rewrite_source(text, path=path, options=RewriteOptions())
            sites = len(result.sites)
        except (InvalidInput, RewriteFailed):
            sites = -1
        timings.append((time.perf_counter() - started, path, sites))
    return sorted(timings, reverse=True)


def load_average() -> str:
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average unknown"


class ChangeNothing(VisitorBasedCodemodCommand):
    """Parses every module and leaves it as it is."""

    DESCRIPTION = "Parses every module and leaves it as it is."


def time_libcst(tree: Path, jobs: int) -> tuple[float, int]:
    """Seconds for libcst's parallel runner with a do-nothing codemod; file count."""
    files = gather_files([str(tree)])
    started = time.perf_counter()
    # libcst reports every unparsable test file of the stdlib; keep the output short.
    with contextlib.redirect_stderr(io.StringIO()):
        parallel_exec_transform_with_prettyprint(
            ChangeNothing, files, jobs=jobs, hide_progress=True
        )
    return time.perf_counter() - started, len(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-libcst", action="store_true")
    parser.add_argument("--worst", type=int, default=0, metavar="N")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lockless-scan-") as scratch:
        tree = copy_stdlib(Path(scratch))
        print(f"before: {load_average()}")
        lockless_seconds, summary = time_lockless(tree, arguments.jobs)
        print(f"tree: {tree} ({sys.version.split()[0]}), jobs: {arguments.jobs}")
        print(f"lockless --check: {lockless_seconds:.2f} s  [{summary}]")
        screen_seconds, total, candidates, size = time_prefilter(tree)
        print(
            f"  of which discovery + pre-filter: {screen_seconds:.2f} s "
            f"({candidates} of {total} files left, {size / 1e6:.1f} MB, for analysis)"
        )
        if arguments.worst:
            timings = time_each_candidate(tree)
            total = sum(seconds for seconds, _, _ in timings)
            print(f"candidates one at a time, in this process: {total:.2f} s; slowest:")
            for seconds, path, sites in timings[: arguments.worst]:
                name = Path(path).relative_to(tree)
                print(f"  {seconds:6.2f} s  {name}  ({sites} sites)")
        if not arguments.skip_libcst:
            libcst_seconds, count = time_libcst(tree, arguments.jobs)
            print(f"libcst runner:    {libcst_seconds:.2f} s  [{count} files]")
            print(f"ratio:            {libcst_seconds / lockless_seconds:.1f}x")
        print(f"after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
