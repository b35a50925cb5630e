"""The lockless command, run in-process with a stand-in rewrite."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cli_fakes
import jsonschema
import pytest

from lockless import cli
from lockless.codemod import runner

DATA = Path(__file__).parent / "data"
REPORT_SCHEMA = Path(cli.__file__).parent / "schemas" / "report.schema.json"
LOCKED = cli_fakes.LOCKED_SOURCE.encode()
HELD_ONLY = LOCKED.replace(cli_fakes.REWRITTEN_FROM.encode(), b"pass")
REFUSING = HELD_ONLY + b"# refuse: the lock also guards the cache\n"
UNSAFE = HELD_ONLY + b"hits -= 1  # unsafe: threshold decision\n"


@pytest.fixture(autouse=True)
def fake_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_load_transform", lambda: cli_fakes.rewrite_source)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one rewritable, one refusing, one unsafe and one plain file."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a_rewrite.py").write_bytes(LOCKED)
    (src / "b_refuse.py").write_bytes(REFUSING)
    (src / "c_unsafe.py").write_bytes(UNSAFE)
    (src / "d_plain.py").write_bytes(b"x = 1\n")
    monkeypatch.chdir(tmp_path)
    return src


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


class TestExitCodes:
    """0 done, 1 check found changes, 2 errors."""

    def test_write_then_nothing_left(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        first = cli.main(["src"])
        second = cli.main(["--check", "src"])

        assert (first, second) == (0, 0)
        assert (tree / "a_rewrite.py").read_bytes() != LOCKED

    def test_check_reports_changes_and_writes_nothing(self, tree: Path) -> None:
        before = _snapshot(tree)

        code = cli.main(["--check", "src"])

        assert code == 1
        assert _snapshot(tree) == before

    def test_error_wins_and_the_rest_still_runs(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        (tree / "broken.py").write_bytes(LOCKED + b"def f(:\n")

        code = cli.main(["src"])

        err = capsys.readouterr().err
        assert code == 2
        assert "src/broken.py:11: error: invalid syntax" in err
        assert (tree / "a_rewrite.py").read_bytes() != LOCKED

    def test_unknown_config_key(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        (tree.parent / "pyproject.toml").write_text("[tool.lockless]\njbos = 2\n")
        before = _snapshot(tree)

        code = cli.main(["src"])

        assert code == 2
        assert "unknown key(s) in [tool.lockless]: 'jbos'" in capsys.readouterr().err
        assert _snapshot(tree) == before

    def test_usage_error(self, tree: Path) -> None:
        with pytest.raises(SystemExit) as raised:
            cli.main(["--format", "xml", "src"])

        assert raised.value.code == 2


class TestText:
    """Findings on stderr as path:line lines, then one summary line."""

    def test_sites_and_summary(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        cli.main(["--check", "src"])

        lines = capsys.readouterr().err.splitlines()
        assert lines == [
            "src/b_refuse.py:11: refused: the lock also guards the cache",
            "src/c_unsafe.py:11: unsafe: threshold decision",
            "1 file would be rewritten, 3 files unchanged, 1 site refused, "
            "1 unsafe site, 0 errors.",
        ]

    def test_unsafe_option_applies_unsafe_rewrites(self, tree: Path) -> None:
        cli.main(["--unsafe", "src"])

        assert b"stats.record_miss()" in (tree / "c_unsafe.py").read_bytes()

    def test_unsafe_from_config_and_cli_override(self, tree: Path) -> None:
        (tree.parent / "pyproject.toml").write_text("[tool.lockless]\nunsafe = true\n")

        cli.main(["--no-unsafe", "src"])
        kept = (tree / "c_unsafe.py").read_bytes()
        cli.main(["src"])

        assert kept == UNSAFE
        assert b"stats.record_miss()" in (tree / "c_unsafe.py").read_bytes()

    def test_exclude_from_config(self, tree: Path) -> None:
        (tree.parent / "pyproject.toml").write_text(
            '[tool.lockless]\nexclude = ["a_*.py"]\n'
        )

        code = cli.main(["--check", "src"])

        assert code == 0

    def test_diff_on_stdout_only(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        before = _snapshot(tree)

        code = cli.main(["--diff", "src"])

        out = capsys.readouterr().out
        assert code == 0
        assert out.startswith("--- a/src/a_rewrite.py\n+++ b/src/a_rewrite.py\n")
        assert "+            stats.record_hit()\n" in out
        assert _snapshot(tree) == before

    def test_diff_with_machine_format_is_refused(self, tree: Path) -> None:
        assert cli.main(["--diff", "--format", "json", "src"]) == 2


class TestJson:
    """--format json: every site, every error, the summary; valid per the schema."""

    def test_document_matches_schema_and_content(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        (tree / "broken.py").write_bytes(LOCKED + b"\xff\n")

        code = cli.main(["--check", "--format", "json", "src"])

        document = json.loads(capsys.readouterr().out)
        jsonschema.validate(document, json.loads(REPORT_SCHEMA.read_text()))
        assert code == 2
        assert document["changed_files"] == ["src/a_rewrite.py"]
        assert [(s["file"], s["outcome"]) for s in document["sites"]] == [
            ("src/a_rewrite.py", "rewritten"),
            ("src/b_refuse.py", "refused"),
            ("src/c_unsafe.py", "unsafe"),
        ]
        assert document["errors"] == [
            {
                "file": "src/broken.py",
                "line": 11,
                "message": "bytes that are not valid utf-8",
            }
        ]
        assert document["summary"]["exit_code"] == 2

    def test_schema_rejects_a_wrong_document(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        cli.main(["--check", "--format", "json", "src"])
        document = json.loads(capsys.readouterr().out)
        document["sites"][0]["outcome"] = "skipped"

        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, json.loads(REPORT_SCHEMA.read_text()))


class TestSarif:
    """--format sarif: one result per refused/unsafe site and per error."""

    def test_log_is_valid_sarif(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        (tree / "broken.py").write_bytes(LOCKED + b"def f(:\n")

        cli.main(["--check", "--format", "sarif", "src"])

        log = json.loads(capsys.readouterr().out)
        schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
        jsonschema.Draft4Validator(schema).validate(log)
        results = log["runs"][0]["results"]
        assert [(r["ruleId"], r["level"]) for r in results] == [
            ("refused", "warning"),
            ("error", "error"),
            ("unsafe", "warning"),
        ]
        location = results[1]["locations"][0]["physicalLocation"]
        assert location == {
            "artifactLocation": {"uri": "src/broken.py"},
            "region": {"startLine": 11},
        }

    def test_vendored_schema_rejects_a_broken_log(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        cli.main(["--check", "--format", "sarif", "src"])
        log = json.loads(capsys.readouterr().out)
        log["runs"][0]["results"][0]["level"] = "fatal"

        schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft4Validator(schema).validate(log)


class TestOptionsReachTheRewrite:
    """--runtime-module, --unsafe and --config end up in the rewrite options."""

    def _capture(self, monkeypatch: pytest.MonkeyPatch) -> list[object]:
        seen: list[object] = []

        def recording(code, *, path, options):  # type: ignore[no-untyped-def]
            seen.append(options)
            return cli_fakes.rewrite_source(code, path=path, options=options)

        monkeypatch.setattr(runner, "_load_transform", lambda: recording)
        return seen

    def test_runtime_module_option(
        self, tree: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen = self._capture(monkeypatch)

        cli.main(["--check", "--runtime-module", "app.vendored.atomics", "src"])

        assert {o.runtime_module for o in seen} == {"app.vendored.atomics"}  # type: ignore[attr-defined]

    def test_explicit_config_file(
        self, tree: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        seen = self._capture(monkeypatch)
        config = tree.parent / "lockless.toml"
        config.write_text('[tool.lockless]\nruntime-module = "shared.atomics"\n')

        cli.main(["--check", "--config", str(config), "src"])

        assert {o.runtime_module for o in seen} == {"shared.atomics"}  # type: ignore[attr-defined]

    def test_bad_runtime_module(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        code = cli.main(["--runtime-module", "not-a-module", "src"])

        assert code == 2
        assert (
            "'runtime-module' must be a dotted module name" in capsys.readouterr().err
        )


class TestProgress:
    """A counter on an interactive stderr for long runs, nothing otherwise."""

    class _Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def test_shown_on_a_terminal(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("CI", raising=False)
        stream = self._Terminal()

        progress = cli._Progress.for_run(cli.PROGRESS_MIN_FILES, stream)
        progress(1, cli.PROGRESS_MIN_FILES)
        progress(cli.PROGRESS_MIN_FILES, cli.PROGRESS_MIN_FILES)
        progress.finish()

        shown = stream.getvalue()
        assert f"\rlockless: 1/{cli.PROGRESS_MIN_FILES} files" in shown
        assert shown.endswith(
            f"{cli.PROGRESS_MIN_FILES}/{cli.PROGRESS_MIN_FILES} files\r\x1b[K"
        )

    @pytest.mark.parametrize(
        ("files", "stream_type"),
        [(10_000, io.StringIO), (cli.PROGRESS_MIN_FILES - 1, _Terminal)],
    )
    def test_silent_otherwise(self, files: int, stream_type: type[io.StringIO]) -> None:
        stream = stream_type()

        progress = cli._Progress.for_run(files, stream)
        progress(files, files)
        progress.finish()

        assert stream.getvalue() == ""


class TestPreCommitHook:
    """The published hook runs the check mode of this command."""

    def test_hook_entry_parses_as_a_check(self) -> None:
        hooks = Path(__file__).parents[2] / ".pre-commit-hooks.yaml"
        entries = [
            line.split(":", 1)[1].strip()
            for line in hooks.read_text().splitlines()
            if line.strip().startswith("entry:")
        ]

        assert len(entries) == 1
        program, *options = entries[0].split()
        arguments = cli.build_parser().parse_args([*options, "staged.py"])
        assert program == "lockless"
        assert arguments.check and not arguments.diff


class TestDiscoveryErrorsInTheRun:
    """Paths discovery cannot scan are errors of the run, which still finishes."""

    def test_symlinks_out_and_around(self, tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
        outside = tree.parent / "outside.py"
        outside.write_bytes(LOCKED)
        (tree / "e_link.py").symlink_to(outside)
        (tree / "f_loop.py").symlink_to(tree / "f_loop.py")

        code = cli.main(["src"])

        err = capsys.readouterr().err
        assert code == 2
        assert f"src/e_link.py: error: symlink points outside src: {outside}" in err
        assert "src/f_loop.py: error: symlink loop" in err
        assert outside.read_bytes() == LOCKED
        assert (tree / "a_rewrite.py").read_bytes() != LOCKED
