"""``python -m lockless``: the same command as ``lockless``."""

from __future__ import annotations

import sys

from lockless.cli import main

if __name__ == "__main__":
    sys.exit(main())
