"""Golden cases of the codemod: where they are, how to run them, how to regenerate.

A case is a folder holding ``input.py``, ``output.py`` (equal to the input for
a refusal), ``report.txt`` (the ``Site.describe()`` lines of the run, with the
file called ``input.py``) and, for a rewrite, ``workload.py`` whose
``run(module)`` drives the owner from several threads and returns what it
observed. A folder whose name starts with ``xfail_`` holds a known limitation:
``output.py`` is what lockless should produce one day.

After an intended change, regenerate every expected file and review the diff:

    .venv/bin/python tests/codemod/golden_cases.py --regenerate
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from lockless.codemod.sites import RewriteResult, Site
from lockless.codemod.transform import rewrite_source

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
PATTERN_FOLDERS = ("counters", "live_values", "identity", "timestamp", "safety")
SHARED_CASES = REPO.parent / "shared" / "cases"
SHARED_FIXTURES = FIXTURES / "shared_cases"


def golden_cases() -> list[Path]:
    """Every case folder of the pattern fixtures, in name order."""
    found: list[Path] = []
    for folder in PATTERN_FOLDERS:
        found.extend(
            sorted(
                p for p in (FIXTURES / folder).iterdir() if (p / "input.py").exists()
            )
        )
    return found


def rewrite(code: str, path: str = "input.py") -> tuple[str, list[Site]]:
    """The rewrite of ``code``; each distinct input is rewritten once per session."""
    result = _rewrite_cached(code, path)
    return result.code, list(result.sites)


@functools.cache
def _rewrite_cached(code: str, path: str) -> RewriteResult:
    return rewrite_source(code, path=path)


def report_text(sites: list[Site]) -> str:
    return "".join(site.describe() + "\n" for site in sites)


def unified_diff(expected: str, actual: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            f"{name} (expected)",
            f"{name} (actual)",
        )
    )


def load(path: Path, name: str) -> ModuleType:
    """Import the file at ``path`` as a fresh module called ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def regenerate() -> None:
    """Rewrite output.py and report.txt of every case from its input."""
    for case in golden_cases():
        if case.name.startswith("xfail_"):
            continue
        code, sites = rewrite((case / "input.py").read_text())
        (case / "output.py").write_text(code)
        (case / "report.txt").write_text(report_text(sites))
        print(f"regenerated {case.parent.name}/{case.name}")
    if SHARED_CASES.is_dir():
        for source in sorted(SHARED_CASES.glob("*.py")):
            code, sites = rewrite(source.read_text(), source.name)
            if code == source.read_text():
                continue
            folder = SHARED_FIXTURES / source.stem
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "output.py").write_text(code)
            (folder / "report.txt").write_text(report_text(sites))
            print(f"regenerated shared_cases/{source.stem}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate"]:
        regenerate()
    else:
        sys.exit(f"usage: {sys.argv[0]} --regenerate")
