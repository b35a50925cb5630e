"""Threaded checks of the classes lockless rewrites in the pinned packages.

Each check runs in the package's virtualenv against one copy (pristine or
rewritten), hammers the class from several threads, and prints one JSON line
saying what it expected and what it got. Counts must be exact and ids handed
out by an add-and-get must be unique, with or without the lock.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .workspace import PackageDirs

THREADS = 8
ROUNDS = 20_000

_PRELUDE = """
import json, sys, threading
sys.setswitchinterval(1e-6)

def hammer(work):
    start = threading.Barrier(THREADS)
    def run():
        start.wait()
        for _ in range(ROUNDS):
            work()
    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
"""

CHECKS: dict[str, str] = {
    "pyformance": """
from pyformance.meters import Counter
counter = Counter()
def work():
    counter.inc(3)
    counter.dec()
hammer(work)
expected = 2 * THREADS * ROUNDS
print(json.dumps({"what": "Counter.inc(3) + dec()", "expected": expected,
                  "got": counter.get_count()}))
""",
    "kafka-python": """
from kafka.producer.record_accumulator import AtomicInteger
sequence = AtomicInteger()
handed_out = []
def work():
    handed_out.append(sequence.increment())
hammer(work)
expected = THREADS * ROUNDS
print(json.dumps({"what": "distinct AtomicInteger.increment() values",
                  "expected": expected, "got": len(set(handed_out))}))
""",
}


@dataclass(frozen=True)
class HammerCheck:
    """One run of a threaded check against one copy."""

    detail: dict[str, Any]

    @property
    def passed(self) -> bool:
        return (
            "error" not in self.detail and self.detail["expected"] == self.detail["got"]
        )

    def describe(self) -> str:
        if "error" in self.detail:
            return f"check failed to run: {self.detail['error']}"
        verdict = "exact" if self.passed else "WRONG"
        what, expected, got = (self.detail[k] for k in ("what", "expected", "got"))
        return f"{verdict}: {what}, expected {expected}, got {got}"


def run_hammer(package: str, dirs: PackageDirs, tree: Path) -> HammerCheck | None:
    """Run the package's threaded check with the installed copy ``tree``."""
    if package not in CHECKS:
        return None
    sizes = f"THREADS, ROUNDS = {THREADS}, {ROUNDS}\n"
    command = [str(dirs.python), "-c", _PRELUDE + sizes + CHECKS[package]]
    try:
        done = subprocess.run(
            command,
            cwd=dirs.root,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        return HammerCheck({"error": "did not finish within 300 s"})
    try:
        return HammerCheck(json.loads(done.stdout.strip().splitlines()[-1]))
    except (IndexError, json.JSONDecodeError):
        error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return HammerCheck({"error": error})
