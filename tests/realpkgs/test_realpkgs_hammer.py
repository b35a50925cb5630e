"""The threaded check tells an exact counter from one that loses updates."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from real_packages import hammer  # noqa: E402
from real_packages.workspace import PackageDirs  # noqa: E402

# A stand-in for pyformance's Counter; without the lock, the sleep between
# the read and the write lets other threads' updates be lost.
FAKE_METERS = """
import threading, time

class Counter:
    def __init__(self):
        self.counter = 0
        self.lock = threading.Lock() if LOCKED else None

    def _add(self, val):
        value = self.counter
        time.sleep(0)
        self.counter = value + val

    def inc(self, val=1):
        if self.lock is None:
            self._add(val)
        else:
            with self.lock:
                self._add(val)

    def dec(self, val=1):
        self.inc(-val)

    def get_count(self):
        return self.counter
"""


def _fake_pyformance(
    root: Path, monkeypatch: pytest.MonkeyPatch, *, locked: bool
) -> PackageDirs:
    meters = root / "site" / "pyformance" / "meters"
    meters.mkdir(parents=True)
    (meters.parent / "__init__.py").write_text("")
    (meters / "__init__.py").write_text(FAKE_METERS.replace("LOCKED", repr(locked)))
    (root / "venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, root / "venv" / "bin" / "python")
    monkeypatch.setenv("PYTHONPATH", str(root / "site"))
    return PackageDirs(root=root, downloads=root)


@pytest.fixture(autouse=True)
def few_rounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hammer, "THREADS", 4)
    monkeypatch.setattr(hammer, "ROUNDS", 300)


class TestHammer:
    """A locked counter is exact; an unlocked read-then-write is not."""

    def test_locked_counter_is_exact(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        dirs = _fake_pyformance(tmp_path, monkeypatch, locked=True)

        check = hammer.run_hammer("pyformance", dirs, tmp_path)

        assert check is not None
        assert check.passed, check.describe()
        assert check.detail["expected"] == 2 * 4 * 300

    def test_lost_updates_are_caught(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        dirs = _fake_pyformance(tmp_path, monkeypatch, locked=False)

        check = hammer.run_hammer("pyformance", dirs, tmp_path)

        assert check is not None
        assert not check.passed, check.describe()
        assert check.describe().startswith("WRONG")

    def test_package_without_a_check(self, tmp_path: Path) -> None:
        dirs = PackageDirs(root=tmp_path, downloads=tmp_path)

        assert hammer.run_hammer("cachetools", dirs, tmp_path) is None
