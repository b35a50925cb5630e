"""Fixtures shared by the runtime tests; they import only the runtime.

These tests also run on free-threaded interpreters, so nothing here may import
libcst or jinja2.
"""

from __future__ import annotations

import pytest

from lockless import available_backends


@pytest.fixture(params=available_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend this interpreter can use, by name."""
    name: str = request.param
    return name
