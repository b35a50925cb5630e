"""The command with the real analysis and rewrite, on small real-world-shaped inputs."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lockless import cli

pytest.importorskip("lockless.codemod.transform")

CASES = Path(__file__).resolve().parents[3] / "shared" / "cases"
REWRITE_CASE = CASES / "04_plain_assign_increment.py"
REFUSE_CASE = CASES / "06_stats_object_under_cache_lock.py"

pytestmark = pytest.mark.skipif(
    not (REWRITE_CASE.is_file() and REFUSE_CASE.is_file()),
    reason="the shared real-world cases are not on this machine",
)


@dataclass(frozen=True)
class RunResult:
    returncode: int
    stderr: str


Runner = Callable[..., RunResult]


@pytest.fixture
def lockless(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """Runs the command in this process (one libcst import for all tests)."""

    def run(*arguments: str, cwd: Path) -> RunResult:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main(list(arguments))
        return RunResult(code, capsys.readouterr().err)

    return run


class TestRealCases:
    """A rewrite that is stable, and a refusal that leaves every byte alone."""

    def test_rewrite_then_stable(self, tmp_path: Path, lockless: Runner) -> None:
        target = tmp_path / REWRITE_CASE.name
        target.write_bytes(REWRITE_CASE.read_bytes())

        check = lockless("--check", target.name, cwd=tmp_path)
        write = lockless(target.name, cwd=tmp_path)
        again = lockless("--check", target.name, cwd=tmp_path)

        assert (check.returncode, write.returncode, again.returncode) == (1, 0, 0)
        assert target.read_bytes() != REWRITE_CASE.read_bytes()
        ast.parse(target.read_bytes())
        assert "1 file rewritten" in write.stderr

    def test_refusal_is_reported_and_nothing_changes(
        self, tmp_path: Path, lockless: Runner
    ) -> None:
        target = tmp_path / REFUSE_CASE.name
        target.write_bytes(REFUSE_CASE.read_bytes())

        result = lockless(target.name, cwd=tmp_path)

        assert result.returncode == 0, result.stderr
        assert target.read_bytes() == REFUSE_CASE.read_bytes()
        refusals = [
            line for line in result.stderr.splitlines() if ": refused: " in line
        ]
        assert refusals and all(line.startswith(f"{target.name}:") for line in refusals)

    @pytest.mark.parametrize(
        "variant",
        [
            pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
            pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
            pytest.param(
                lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), id="bom-crlf"
            ),
        ],
    )
    def test_unusual_bytes_survive_the_rewrite(
        self, tmp_path: Path, lockless: Runner, variant
    ) -> None:  # type: ignore[no-untyped-def]
        plain = tmp_path / "plain" / REWRITE_CASE.name
        unusual = tmp_path / "unusual" / REWRITE_CASE.name
        for path, data in ((plain, REWRITE_CASE.read_bytes()), (unusual, None)):
            path.parent.mkdir()
            path.write_bytes(data if data is not None else variant(plain.read_bytes()))

        lockless(str(plain), cwd=tmp_path)
        result = lockless(str(unusual), cwd=tmp_path)

        assert result.returncode == 0, result.stderr
        assert unusual.read_bytes() == variant(plain.read_bytes())

    def test_latin1_file_keeps_its_encoding(
        self, tmp_path: Path, lockless: Runner
    ) -> None:
        header = b"# -*- coding: latin-1 -*-\n# \xa9 caf\xe9\n"
        plain = tmp_path / "plain" / REWRITE_CASE.name
        unusual = tmp_path / "latin" / REWRITE_CASE.name
        plain.parent.mkdir()
        unusual.parent.mkdir()
        plain.write_bytes(REWRITE_CASE.read_bytes())
        unusual.write_bytes(header + REWRITE_CASE.read_bytes())

        lockless(str(plain), cwd=tmp_path)
        result = lockless(str(unusual), cwd=tmp_path)

        assert result.returncode == 0, result.stderr
        assert unusual.read_bytes() == header + plain.read_bytes()

    def test_scanned_code_is_never_run(self, tmp_path: Path, lockless: Runner) -> None:
        marker = tmp_path / "ran"
        module = tmp_path / "module.py"
        module.write_text(
            "import threading\n"
            f"open({str(marker)!r}, 'w').close()\n"
            "LOCK = threading.Lock()\n"
            "with LOCK:\n"
            "    pass\n"
        )

        result = lockless("--check", str(module), cwd=tmp_path)

        assert result.returncode in (0, 1), result.stderr
        assert not marker.exists()


class TestLibcstTool:
    """The same rule runs under ``python -m libcst.tool codemod``."""

    def test_codemod_command_matches_the_cli(
        self, tmp_path: Path, lockless: Runner
    ) -> None:
        (tmp_path / ".libcst.codemod.yaml").write_text(
            "generated_code_marker: '@generated'\n"
            "formatter: ['cat']\n"
            "blacklist_patterns: []\n"
            "modules:\n"
            "  - 'lockless.codemod'\n"
            "repo_root: '.'\n"
        )
        by_libcst = tmp_path / "by_libcst.py"
        by_lockless = tmp_path / "by_lockless.py"
        by_libcst.write_bytes(REWRITE_CASE.read_bytes())
        by_lockless.write_bytes(REWRITE_CASE.read_bytes())

        tool = subprocess.run(
            [
                sys.executable,
                "-m",
                "libcst.tool",
                "codemod",
                "--no-format",
                "transform.AtomicStatsCommand",
                by_libcst.name,
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        lockless(by_lockless.name, cwd=tmp_path)

        assert tool.returncode == 0, tool.stderr
        assert by_libcst.read_bytes() != REWRITE_CASE.read_bytes()
        assert by_libcst.read_bytes() == by_lockless.read_bytes()


class TestReadOnlyCase:
    """A read-only copy of a rewritable case is reported and left alone."""

    def test_read_only(self, tmp_path: Path, lockless: Runner) -> None:
        target = tmp_path / REWRITE_CASE.name
        target.write_bytes(REWRITE_CASE.read_bytes())
        target.chmod(0o444)

        result = lockless(target.name, cwd=tmp_path)

        assert result.returncode == 2
        assert f"{target.name}: error: the file is read-only" in result.stderr
        assert target.read_bytes() == REWRITE_CASE.read_bytes()
