"""The ``[tool.lockless]`` table of ``pyproject.toml``, and how the CLI overrides it.

Settings come from the nearest ``pyproject.toml`` found by walking up from the
first path given on the command line (or from an explicit ``--config`` file).
Keys use the same spelling as the command-line options. Unknown keys and
wrongly typed values raise :class:`~lockless.exceptions.ConfigError` naming
the key, so a typo never silently does nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lockless.exceptions import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.9 and 3.10
    import tomli as tomllib

DEFAULT_RUNTIME_MODULE = "lockless"


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, after the file and the CLI are merged.

    ``include`` and ``exclude`` are gitignore-style patterns matched against
    paths relative to the root being scanned; an empty ``include`` means every
    ``.py`` file. ``jobs`` of ``None`` means one worker per CPU core.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    unsafe: bool = False
    jobs: int | None = None
    runtime_module: str = DEFAULT_RUNTIME_MODULE
    source: Path | None = field(default=None, compare=False)
    """The ``pyproject.toml`` the settings were read from, if any."""


_KNOWN_KEYS = ("include", "exclude", "unsafe", "jobs", "runtime-module")


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (a file or folder)."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return pyproject
    return None


def load_settings(pyproject: Path) -> Settings:
    """Read ``[tool.lockless]`` from one ``pyproject.toml``; no table means defaults."""
    try:
        with pyproject.open("rb") as stream:
            document = tomllib.load(stream)
    except OSError as error:
        raise ConfigError(f"cannot read {str(pyproject)!r}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{str(pyproject)!r} is not valid TOML: {error}") from None

    table = document.get("tool", {}).get("lockless", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.lockless] in {str(pyproject)!r} must be a table")
    return replace(settings_from_table(table), source=pyproject)


def settings_from_table(table: Mapping[str, Any]) -> Settings:
    """Check and convert the keys of a ``[tool.lockless]`` table."""
    unknown = sorted(set(table) - set(_KNOWN_KEYS))
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        known = ", ".join(_KNOWN_KEYS)
        raise ConfigError(f"unknown key(s) in [tool.lockless]: {names}; known: {known}")

    return Settings(
        include=_patterns(table, "include"),
        exclude=_patterns(table, "exclude"),
        unsafe=_boolean(table, "unsafe"),
        jobs=_jobs(table.get("jobs")),
        runtime_module=_module_name(table.get("runtime-module")),
    )


def apply_overrides(
    settings: Settings,
    *,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    unsafe: bool | None = None,
    jobs: int | None = None,
    runtime_module: str | None = None,
) -> Settings:
    """Settings with every option given on the command line taking precedence."""
    changes: dict[str, Any] = {}
    if include:
        changes["include"] = tuple(include)
    if exclude:
        changes["exclude"] = tuple(exclude)
    if unsafe is not None:
        changes["unsafe"] = unsafe
    if jobs is not None:
        changes["jobs"] = _jobs(jobs)
    if runtime_module is not None:
        changes["runtime_module"] = _module_name(runtime_module)
    return replace(settings, **changes)


def _patterns(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key!r} must be a list of strings, got {value!r}")
    return tuple(value)


def _boolean(table: Mapping[str, Any], key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"{key!r} must be true or false, got {value!r}")
    return value


def _jobs(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"'jobs' must be a whole number of at least 1, got {value!r}")
    return value


def _module_name(value: object) -> str:
    if value is None:
        return DEFAULT_RUNTIME_MODULE
    parts = value.split(".") if isinstance(value, str) else []
    if not parts or not all(part.isidentifier() for part in parts):
        raise ConfigError(
            f"'runtime-module' must be a dotted module name such as "
            f"'lockless' or 'myapp.vendored.lockless', got {value!r}"
        )
    return str(value)
