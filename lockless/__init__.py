"""lockless: lock-free statistics for Python services, and the codemod that moves code to them.

Importing ``lockless`` loads only the runtime (``lockless.runtime``); the
codemod and its dependencies (libcst, jinja2) load only when it runs.
"""

from __future__ import annotations

__version__ = "0.1.0"
