"""Stopping a real lockless process mid-run leaves every file fully old or fully new."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cli_fakes
import pytest

DRIVER = Path(__file__).parent / "interrupted_run.py"
FILES = 300
LOCKED = cli_fakes.LOCKED_SOURCE.encode()
PADDING = b"# padding so that a torn write would show\n" * 2000
OLD = LOCKED + PADDING
NEW = OLD.replace(cli_fakes.REWRITTEN_FROM.encode(), cli_fakes.REWRITTEN_TO.encode())


def _wait_for_first_rewrite(folder: Path, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(p.read_bytes() == NEW for p in sorted(folder.glob("*.py"))[:40]):
            return
        time.sleep(0.01)
    pytest.fail("the run never started rewriting")


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_whole_files(
    tmp_path: Path, jobs: str, signum: signal.Signals
) -> None:
    for index in range(FILES):
        (tmp_path / f"m{index:03}.py").write_bytes(OLD)
    process = subprocess.Popen(
        [sys.executable, str(DRIVER), "-j", jobs, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )

    _wait_for_first_rewrite(tmp_path, process)
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)  # what Ctrl-C in a terminal does
    else:
        process.send_signal(signum)
    _, err = process.communicate(timeout=60)

    contents = [p.read_bytes() for p in sorted(tmp_path.iterdir())]
    assert process.returncode == 130, err.decode()
    assert b"interrupted" in err
    assert len(contents) == FILES, "a temporary file was left behind"
    assert all(c in (OLD, NEW) for c in contents)
    assert OLD in contents and NEW in contents
