"""Registers the marker of the free-threaded lane (``-m "not freethreaded"``)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "freethreaded: runs checks on a free-threaded CPython build"
    )
