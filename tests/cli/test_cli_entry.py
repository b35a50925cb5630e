"""The installed entry points, run as real processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _lockless(
    *arguments: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lockless", *arguments],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


class TestEntryPoints:
    """python -m lockless is the CLI; help documents the exit codes."""

    def test_help_lists_options_and_exit_codes(self) -> None:
        result = _lockless("--help")

        assert result.returncode == 0
        for option in (
            "--check",
            "--diff",
            "--unsafe",
            "--jobs",
            "--format",
            "--config",
            "--include",
            "--exclude",
            "--runtime-module",
        ):
            assert option in result.stdout
        assert "130  interrupted" in result.stdout

    def test_no_path_is_a_usage_error(self) -> None:
        result = _lockless()

        assert result.returncode == 2
        assert "PATH" in result.stderr

    def test_missing_path_is_reported(self, tmp_path: Path) -> None:
        result = _lockless(str(tmp_path / "absent"))

        assert result.returncode == 2
        assert f"{tmp_path / 'absent'}: error: no such file or folder" in result.stderr


class TestStartup:
    """libcst is imported only once a file survives the pre-filter."""

    def test_scan_without_candidates_never_imports_libcst(self, tmp_path: Path) -> None:
        (tmp_path / "plain.py").write_text("import threading\nx = 1\n")
        script = (
            "import sys\n"
            "from lockless import cli\n"
            f"code = cli.main(['--check', {str(tmp_path)!r}])\n"
            "print(code, 'libcst' in sys.modules, 'jinja2' in sys.modules)\n"
        )

        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
        )

        assert result.stdout.split() == ["0", "False", "False"], result.stderr
