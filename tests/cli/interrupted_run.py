"""Runs the lockless command with the slow stand-in rewrite; a test interrupts it.

Usage: python interrupted_run.py LOCKLESS-ARGUMENTS...
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import cli_fakes  # noqa: E402

from lockless import cli  # noqa: E402
from lockless.codemod import runner  # noqa: E402

if __name__ == "__main__":
    # Workers must inherit the stand-in, so they are forked whatever the default.
    multiprocessing.set_start_method("fork")
    runner._load_transform = lambda: cli_fakes.slow_rewrite_source
    sys.exit(cli.main(sys.argv[1:]))
