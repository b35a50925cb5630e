"""A bytes-level test that tells which files could hold lock-guarded statistics.

Almost every file in a code base has no lock at all. Looking for the words a
candidate must contain, on the raw bytes and before any decoding or parsing,
lets a scan skip those files at the cost of one regular-expression search
each. The test may let through files that turn out to hold nothing (the
analysis then reports no site) but must never reject a file the analysis
would act on: every pattern needs a ``Lock`` or ``RLock`` that is held with a
``with`` block or an ``acquire()`` call.
"""

from __future__ import annotations

import re

_LOCK_NAME = re.compile(rb"\bR?Lock\b")
_LOCK_HELD = re.compile(rb"\bwith\b|\.acquire\(")
_GENERATED_MARK = re.compile(
    rb"@generated|^#.*(?:do not edit|auto-?generated|generated (?:by|from))",
    re.IGNORECASE | re.MULTILINE,
)
GENERATED_MARK_WINDOW = 1024
"""How many leading bytes are searched for a "generated file" mark."""


def may_hold_guarded_stats(data: bytes) -> bool:
    """Whether ``data`` mentions a lock and holds one somewhere; conservative."""
    return bool(_LOCK_NAME.search(data)) and bool(_LOCK_HELD.search(data))


def looks_generated(data: bytes) -> bool:
    """Whether the file's first lines say it is generated and must not be edited."""
    return bool(_GENERATED_MARK.search(data, 0, GENERATED_MARK_WINDOW))
