"""A stand-in for the rewrite entry point, so runner and CLI tests need no analysis.

It understands three markers, one per line:

- ``hits += 1`` becomes ``stats.record_hit()`` (a rewritten site);
- a comment ``# refuse: REASON`` yields a refused site with that reason;
- a comment ``# unsafe: REASON`` yields an unsafe site (rewritten only with
  ``RewriteOptions.unsafe``, where ``hits -= 1`` becomes ``stats.record_miss()``).

Source that does not parse raises InvalidInput with the line, like the real one.
"""

from __future__ import annotations

import ast
import os
import time

from lockless.codemod.sites import Outcome, Pattern, RewriteOptions, RewriteResult, Site
from lockless.exceptions import InvalidInput

REWRITTEN_FROM = "hits += 1"
REWRITTEN_TO = "stats.record_hit()"
UNSAFE_FROM = "hits -= 1"
UNSAFE_TO = "stats.record_miss()"

LOCKED_SOURCE = (
    "import threading\n"
    "\n"
    "\n"
    "class Owner:\n"
    "    def __init__(self):\n"
    "        self._lock = threading.Lock()\n"
    "\n"
    "    def hit(self, hits):\n"
    "        with self._lock:\n"
    "            hits += 1\n"
)
"""A file the fake rewrites: it passes the pre-filter and holds one marker."""


def rewrite_source(code: str, *, path: str, options: RewriteOptions) -> RewriteResult:
    try:
        ast.parse(code)
    except SyntaxError as error:
        raise InvalidInput(f"invalid syntax: {error.msg}", line=error.lineno) from None

    sites: list[Site] = []
    lines = code.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        if REWRITTEN_FROM in line:
            sites.append(_site(path, number, Outcome.REWRITTEN, "plain counter"))
            lines[number - 1] = line.replace(REWRITTEN_FROM, REWRITTEN_TO)
        if "# refuse: " in line:
            reason = line.split("# refuse: ", 1)[1].strip()
            sites.append(_site(path, number, Outcome.REFUSED, reason))
        if "# unsafe: " in line:
            reason = line.split("# unsafe: ", 1)[1].strip()
            sites.append(_site(path, number, Outcome.UNSAFE, reason))
            if options.unsafe:
                lines[number - 1] = line.replace(UNSAFE_FROM, UNSAFE_TO)
    return RewriteResult(code="".join(lines), sites=tuple(sites))


def slow_rewrite_source(
    code: str, *, path: str, options: RewriteOptions
) -> RewriteResult:
    """The same rewrite, taking a while per file so a run can be interrupted."""
    time.sleep(0.02)
    return rewrite_source(code, path=path, options=options)


def _site(path: str, line: int, outcome: Outcome, reason: str) -> Site:
    return Site(
        path=path,
        line=line,
        owner="Owner",
        pattern=Pattern.COUNTERS,
        outcome=outcome,
        reason=reason,
    )


def dying_rewrite_source(
    code: str, *, path: str, options: RewriteOptions
) -> RewriteResult:
    """The same rewrite, except that the process dies on a file named ``die.py``."""
    if path.endswith("die.py"):
        os._exit(70)
    return rewrite_source(code, path=path, options=options)
