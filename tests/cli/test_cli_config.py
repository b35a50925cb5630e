"""[tool.lockless] settings and how command-line options override them."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockless.codemod.config import (
    Settings,
    apply_overrides,
    find_pyproject,
    load_settings,
    settings_from_table,
)
from lockless.exceptions import ConfigError


class TestFinding:
    """The nearest pyproject.toml above the first path wins."""

    def test_nearest_above_a_file(self, tmp_path: Path) -> None:
        (tmp_path / "pyproject.toml").write_text("")
        inner = tmp_path / "sub" / "pkg"
        inner.mkdir(parents=True)
        (tmp_path / "sub" / "pyproject.toml").write_text("")
        (inner / "m.py").write_text("")

        found = find_pyproject(inner / "m.py")

        assert found == (tmp_path / "sub" / "pyproject.toml").resolve()

    def test_none_when_absent(self, tmp_path: Path) -> None:
        found = find_pyproject(tmp_path)

        assert found is None or tmp_path.resolve() not in found.parents


class TestLoading:
    """Keys, types and unknown names."""

    def test_all_keys(self, tmp_path: Path) -> None:
        pyproject = tmp_path / "pyproject.toml"
        pyproject.write_text(
            "[tool.lockless]\n"
            'include = ["src/**/*.py"]\n'
            'exclude = ["src/vendored/"]\n'
            "unsafe = true\n"
            "jobs = 3\n"
            'runtime-module = "app._vendor.lockless"\n'
        )

        settings = load_settings(pyproject)

        assert settings == Settings(
            include=("src/**/*.py",),
            exclude=("src/vendored/",),
            unsafe=True,
            jobs=3,
            runtime_module="app._vendor.lockless",
        )
        assert settings.source == pyproject

    def test_no_table_means_defaults(self, tmp_path: Path) -> None:
        pyproject = tmp_path / "pyproject.toml"
        pyproject.write_text("[tool.black]\nline-length = 100\n")

        assert load_settings(pyproject) == Settings()

    def test_unknown_keys_are_named(self) -> None:
        with pytest.raises(ConfigError, match="'excludes', 'usafe'"):
            settings_from_table({"excludes": [], "usafe": True, "jobs": 2})

    @pytest.mark.parametrize(
        ("table", "key"),
        [
            ({"unsafe": "yes"}, "unsafe"),
            ({"jobs": 0}, "jobs"),
            ({"jobs": True}, "jobs"),
            ({"include": [1]}, "include"),
            ({"runtime-module": "not a module"}, "runtime-module"),
        ],
    )
    def test_wrong_types_are_named(self, table: dict[str, object], key: str) -> None:
        with pytest.raises(ConfigError, match=repr(key)):
            settings_from_table(table)

    def test_invalid_toml(self, tmp_path: Path) -> None:
        pyproject = tmp_path / "pyproject.toml"
        pyproject.write_text("[tool.lockless\n")

        with pytest.raises(ConfigError, match="not valid TOML"):
            load_settings(pyproject)


class TestOverrides:
    """Options given on the command line take precedence over the file."""

    def test_given_options_replace_file_values(self) -> None:
        from_file = Settings(exclude=("a/",), unsafe=True, jobs=4)

        merged = apply_overrides(from_file, exclude=["b/"], unsafe=False, jobs=1)

        assert merged == Settings(exclude=("b/",), unsafe=False, jobs=1)

    def test_missing_options_keep_file_values(self) -> None:
        from_file = Settings(include=("*.py",), runtime_module="vendored.atomics")

        assert apply_overrides(from_file) == from_file

    def test_invalid_override(self) -> None:
        with pytest.raises(ConfigError, match="jobs"):
            apply_overrides(Settings(), jobs=-2)
