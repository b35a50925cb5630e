"""Narrow exception types raised by lockless; each subclasses the nearest builtin."""

from __future__ import annotations


class InvalidInput(ValueError):
    """A source file cannot be analysed: it does not parse or does not decode."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class RewriteFailed(RuntimeError):
    """A rewrite produced code that does not re-parse or is not stable on a second run.

    This is a bug in lockless, never in the user's file; the file is left as it was.
    """


class LayoutMismatch(ValueError):
    """A shared-memory segment does not have the layout the attaching class expects."""


class ConfigError(ValueError):
    """The ``[tool.lockless]`` table or a command-line option is not valid."""
