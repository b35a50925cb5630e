"""A thread-based check for cacheout's lock-order deadlock.

``Cache.get`` holds the cache lock and then takes the stats lock to count a
hit; ``CacheStatsTracker.info`` holds the stats lock and then takes the cache
lock to read the live size. One thread doing each can block both forever.
The check runs the two loops in a child process and calls it a deadlock when
neither loop makes progress for a while with both threads still alive.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .workspace import PackageDirs

RUN_SECONDS = 5.0
"""How long the two loops run when nothing blocks."""

STALL_SECONDS = 2.0
"""No progress for this long, with both threads alive, counts as a deadlock."""

PROBE = """
import json, os, sys, threading, time
from cacheout import Cache

sys.setswitchinterval(1e-6)
cache = Cache(maxsize=64, enable_stats=True)
for key in range(32):
    cache.set(key, key)
stop = threading.Event()
calls = {"get": 0, "info": 0}

def look_up():
    key = 0
    while not stop.is_set():
        cache.get(key % 64)
        key += 1
        calls["get"] += 1

def read_stats():
    while not stop.is_set():
        cache.stats.info()
        calls["info"] += 1

threads = [threading.Thread(target=f, daemon=True) for f in (look_up, read_stats)]
started = time.monotonic()
for thread in threads:
    thread.start()
seen, last_move, deadlocked = (-1, -1), time.monotonic(), False
while time.monotonic() - started < RUN_SECONDS:
    time.sleep(0.1)
    now = (calls["get"], calls["info"])
    if now != seen:
        seen, last_move = now, time.monotonic()
    elif time.monotonic() - last_move > STALL_SECONDS:
        deadlocked = all(thread.is_alive() for thread in threads)
        break
stop.set()
for thread in threads:
    thread.join(STALL_SECONDS)
deadlocked = deadlocked or any(thread.is_alive() for thread in threads)
print(json.dumps({
    "deadlocked": deadlocked,
    "seconds": round(time.monotonic() - started, 2),
    "get_calls": calls["get"],
    "info_calls": calls["info"],
}))
sys.stdout.flush()
os._exit(0)
"""


@dataclass(frozen=True)
class DeadlockCheck:
    """The result of one run of the probe against one copy of cacheout."""

    deadlocked: bool | None
    """None when the probe itself could not run."""

    detail: dict[str, Any]

    def describe(self) -> str:
        if self.deadlocked is None:
            return f"probe failed: {self.detail.get('error', '?')}"
        verdict = "deadlocked" if self.deadlocked else "no deadlock"
        seconds = self.detail["seconds"]
        gets, infos = self.detail["get_calls"], self.detail["info_calls"]
        return f"{verdict} ({seconds}s; {gets} get() and {infos} info() calls)"


def check_deadlock(dirs: PackageDirs, tree: Path, source_root: str) -> DeadlockCheck:
    """Run the probe with ``tree / source_root`` first on the import path."""
    script = PROBE.replace("RUN_SECONDS", repr(RUN_SECONDS))
    script = script.replace("STALL_SECONDS", repr(STALL_SECONDS))
    command = [str(dirs.python), "-c", script]
    env = {"PYTHONPATH": str(tree / source_root), "PATH": "/usr/bin:/bin"}
    limit = int(RUN_SECONDS + 3 * STALL_SECONDS + 30)
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=limit, check=False
        )
    except subprocess.TimeoutExpired:
        return DeadlockCheck(None, {"error": f"probe did not exit within {limit}s"})
    try:
        detail = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return DeadlockCheck(None, {"error": error})
    return DeadlockCheck(bool(detail["deadlocked"]), detail)
