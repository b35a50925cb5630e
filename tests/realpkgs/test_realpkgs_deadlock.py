"""The deadlock probe tells a lock-order deadlock from a cache that keeps going."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from real_packages import deadlock  # noqa: E402
from real_packages.workspace import PackageDirs  # noqa: E402

# A stand-in for cacheout with the same two locks. With ``nested`` the stats
# reader takes the cache lock inside the stats lock, the opposite order of
# ``get``; without it the reader reads the size before taking the stats lock.
FAKE_CACHEOUT = """
import threading

class Stats:
    def __init__(self, cache, nested):
        self._cache, self._lock, self._nested = cache, threading.RLock(), nested
        self.hits = 0

    def hit(self):
        with self._lock:
            self.hits += 1

    def info(self):
        if self._nested:
            with self._lock:
                return (self.hits, len(self._cache))
        size = len(self._cache)
        with self._lock:
            return (self.hits, size)

class Cache:
    def __init__(self, maxsize, enable_stats):
        self._lock, self._data = threading.RLock(), {}
        self.stats = Stats(self, NESTED)

    def __len__(self):
        with self._lock:
            return len(self._data)

    def set(self, key, value):
        with self._lock:
            self._data[key] = value

    def get(self, key):
        with self._lock:
            self.stats.hit()
            return self._data.get(key)
"""


def _fake_package(root: Path, *, nested: bool) -> PackageDirs:
    (root / "src" / "cacheout").mkdir(parents=True)
    code = FAKE_CACHEOUT.replace("NESTED", repr(nested))
    (root / "src" / "cacheout" / "__init__.py").write_text(code)
    (root / "venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, root / "venv" / "bin" / "python")
    return PackageDirs(root=root, downloads=root)


@pytest.fixture(autouse=True)
def short_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadlock, "RUN_SECONDS", 1.5)
    monkeypatch.setattr(deadlock, "STALL_SECONDS", 0.5)


class TestDeadlockProbe:
    """Opposite lock orders deadlock; reading the size first does not."""

    def test_opposite_lock_orders_deadlock(self, tmp_path: Path) -> None:
        dirs = _fake_package(tmp_path, nested=True)

        check = deadlock.check_deadlock(dirs, tmp_path, "src")

        assert check.deadlocked is True, check.describe()

    def test_size_read_outside_the_stats_lock_keeps_going(self, tmp_path: Path) -> None:
        dirs = _fake_package(tmp_path, nested=False)

        check = deadlock.check_deadlock(dirs, tmp_path, "src")

        assert check.deadlocked is False, check.describe()
        assert check.detail["info_calls"] > 0

    def test_missing_package_is_a_failed_probe(self, tmp_path: Path) -> None:
        dirs = _fake_package(tmp_path, nested=False)

        check = deadlock.check_deadlock(dirs, tmp_path, "nowhere")

        assert check.deadlocked is None
        assert "ModuleNotFoundError" in check.describe()
