"""Command line: ``python scripts/real_packages [--only NAME] [--work DIR] [--keep]``.

Exit status: 0 when no rewritten package lost a passing test, 1 when one did
(or its threaded check went from exact to wrong), 2 when a step of the harness
itself failed (download, install, lockless crash) or the options are wrong.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as ``python scripts/real_packages``: make the package importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from real_packages.catalog import CATALOG, PackageSpec, find_spec
from real_packages.deadlock import DeadlockCheck, check_deadlock
from real_packages.hammer import run_hammer
from real_packages.report import render_markdown
from real_packages.results import PackageResult
from real_packages.rewriting import (
    RewriteCrashed,
    codemod_available,
    record_diffs,
    rewrite_tree,
)
from real_packages.testrun import network_isolation, run_tests
from real_packages.workspace import (
    HarnessError,
    PackageDirs,
    copy_tree,
    fetch_sdist,
    install_copy,
    package_dirs,
    prepare_venv,
    unpack_fresh,
)

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_WORK = Path.home() / ".cache" / "lockless" / "real-packages"
DEADLOCK_PACKAGE = "cacheout"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.render_only:
        _write_outputs(args.output, [])
        return 0
    try:
        specs = [find_spec(name) for name in args.only or []] or list(CATALOG)
    except KeyError as exc:
        print(f"real_packages: error: {exc.args[0]}", file=sys.stderr)
        return 2
    isolation = network_isolation()
    if not isolation:
        print("warning: no network namespace; tests run unisolated", file=sys.stderr)
    rewrite = not args.baseline_only and codemod_available()
    results = []
    for spec in specs:
        print(f"== {spec.pin}", file=sys.stderr, flush=True)
        result = run_package(spec, args.work, isolation, rewrite=rewrite)
        if not args.keep:
            _remove_copies(package_dirs(args.work, spec))
        print(_one_line(result), file=sys.stderr, flush=True)
        results.append(result)

    _write_outputs(args.output, [result.to_json() for result in results])
    return _exit_status(results)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="real_packages",
        description="Rewrite pinned PyPI sdists with lockless and rerun their tests.",
    )
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run one package (repeatable)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help=f"work folder (default {DEFAULT_WORK})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the unpacked and rewritten copies"
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="only rewrite the markdown from the stored JSON",
    )
    parser.add_argument(
        "--baseline-only", action="store_true", help="run the pristine tests only"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=PROJECT / "docs" / "real-packages.md",
        help="markdown output; JSON goes next to it",
    )
    return parser.parse_args(argv)


def run_package(
    spec: PackageSpec, work: Path, isolation: list[str], *, rewrite: bool
) -> PackageResult:
    """Baseline tests, rewrite, tests again; a harness failure ends the package."""
    dirs = package_dirs(work.resolve(), spec)
    result = PackageResult(spec, _lockless_commit(), network_isolated=bool(isolation))
    started = time.monotonic()
    try:
        _run_steps(spec, dirs, isolation, result, rewrite=rewrite)
    except HarnessError as exc:
        result.harness_error = str(exc)
    result.seconds = time.monotonic() - started
    return result


def _run_steps(
    spec: PackageSpec,
    dirs: PackageDirs,
    isolation: list[str],
    result: PackageResult,
    *,
    rewrite: bool,
) -> None:
    if dirs.logs.exists():
        shutil.rmtree(dirs.logs)
    archive = fetch_sdist(spec, dirs)
    unpack_fresh(archive, dirs.pristine)
    for added in spec.added_files:
        (dirs.pristine / added).touch()
    prepare_venv(spec, dirs, PROJECT)

    install_copy(spec, dirs, dirs.pristine)
    result.before = run_tests(spec, dirs, dirs.pristine, isolation)
    result.deadlock_before = _deadlock(spec, dirs, dirs.pristine)
    result.hammer_before = run_hammer(spec.name, dirs, dirs.pristine)
    if not rewrite:
        result.notes.append("lockless was not run (baseline only).")
        return

    copy_tree(dirs.pristine, dirs.rewritten)
    try:
        result.rewrite = rewrite_tree(
            dirs.rewritten, spec.source_dir, dirs.logs / "lockless.log"
        )
    except RewriteCrashed as exc:
        raise HarnessError(f"lockless crashed on {spec.pin}: {exc}") from exc
    record_diffs(result.rewrite, dirs.pristine, dirs.rewritten)
    install_copy(spec, dirs, dirs.rewritten)
    result.after = run_tests(spec, dirs, dirs.rewritten, isolation)
    result.deadlock_after = _deadlock(spec, dirs, dirs.rewritten)
    result.hammer_after = run_hammer(spec.name, dirs, dirs.rewritten)


def _deadlock(spec: PackageSpec, dirs: PackageDirs, tree: Path) -> DeadlockCheck | None:
    if spec.name != DEADLOCK_PACKAGE:
        return None
    return check_deadlock(dirs, tree, str(Path(spec.source_dir).parent))


def _lockless_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(PROJECT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _remove_copies(dirs: PackageDirs) -> None:
    for tree in (dirs.pristine, dirs.rewritten):
        if tree.exists():
            shutil.rmtree(tree)


def _one_line(result: PackageResult) -> str:
    if result.harness_error:
        return f"   harness error: {result.harness_error}"
    before = result.before.counts() if result.before else {}
    after = result.after.counts() if result.after else {}
    lost = len(result.regressions())
    seconds = f"{result.seconds:.0f}s"
    return f"   before {before}  after {after}  regressions {lost}  ({seconds})"


def _write_outputs(markdown: Path, fresh: list[dict[str, Any]]) -> None:
    """Merge this run's entries into the stored JSON, then render the markdown."""
    store = markdown.with_suffix(".json")
    stored = json.loads(store.read_text()) if store.is_file() else []
    by_name = {entry["package"]: entry for entry in stored}
    by_name.update({entry["package"]: entry for entry in fresh})
    order = [spec.name for spec in CATALOG]
    entries = sorted(by_name.values(), key=lambda entry: order.index(entry["package"]))
    store.write_text(json.dumps(entries, indent=2) + "\n")
    markdown.write_text(render_markdown(entries))


def _exit_status(results: list[PackageResult]) -> int:
    if any(result.regressions() or result.hammer_failed() for result in results):
        return 1
    if any(result.harness_error for result in results):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
