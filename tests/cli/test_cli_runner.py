"""The runner, with a stand-in rewrite: modes, unusual bytes, bad input, workers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_fakes import (
    LOCKED_SOURCE,
    REWRITTEN_FROM,
    REWRITTEN_TO,
    dying_rewrite_source,
    rewrite_source,
)

from lockless.codemod.runner import IN_PROCESS_LIMIT, FileStatus, Mode, run
from lockless.codemod.sites import Outcome, RewriteOptions

OPTIONS = RewriteOptions()
LOCKED = LOCKED_SOURCE.encode()
EXPECTED = LOCKED.replace(REWRITTEN_FROM.encode(), REWRITTEN_TO.encode())


def _run(paths: list[Path], mode: Mode = Mode.WRITE, **kwargs: object):  # type: ignore[no-untyped-def]
    return run(
        [str(p) for p in paths],
        OPTIONS,
        mode=mode,
        transform=rewrite_source,
        **kwargs,  # type: ignore[arg-type]
    )


class TestModes:
    """Write, check and diff differ only in what they do with the new text."""

    def test_write_replaces_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "a.py"
        path.write_bytes(LOCKED)

        (report,) = _run([path])

        assert report.status is FileStatus.CHANGED
        assert [s.outcome for s in report.sites] == [Outcome.REWRITTEN]
        assert path.read_bytes() == EXPECTED

    @pytest.mark.parametrize("mode", [Mode.CHECK, Mode.DIFF])
    def test_check_and_diff_write_nothing(self, tmp_path: Path, mode: Mode) -> None:
        path = tmp_path / "a.py"
        path.write_bytes(LOCKED)

        (report,) = _run([path], mode)

        assert report.status is FileStatus.CHANGED
        assert path.read_bytes() == LOCKED

    def test_diff_shows_the_change(self, tmp_path: Path) -> None:
        path = tmp_path / "a.py"
        path.write_bytes(LOCKED)

        (report,) = _run([path], Mode.DIFF)

        assert report.diff is not None
        assert f"-            {REWRITTEN_FROM}\n" in report.diff
        assert f"+            {REWRITTEN_TO}\n" in report.diff
        assert report.diff.startswith(f"--- a/{path}\n+++ b/{path}\n")

    def test_files_without_a_lock_are_not_parsed(self, tmp_path: Path) -> None:
        path = tmp_path / "a.py"
        path.write_bytes(b"hits += 1\nthis is not python (\n")

        (report,) = _run([path])

        assert report.status is FileStatus.UNCHANGED
        assert report.error is None


class TestUnusualFiles:
    """Everything outside the change comes back byte for byte."""

    @pytest.mark.parametrize(
        "transform_bytes",
        [
            pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
            pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
            pytest.param(lambda b: b.replace(b"    ", b"\t"), id="tabs"),
            pytest.param(
                lambda b: b"# -*- coding: latin-1 -*-\n# caf\xe9 \xa9\n" + b,
                id="latin-1",
            ),
            pytest.param(
                lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"), id="bom-crlf"
            ),
        ],
    )
    def test_rewritten_exactly(self, tmp_path: Path, transform_bytes) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / "a.py"
        path.write_bytes(transform_bytes(LOCKED))

        (report,) = _run([path])

        assert report.status is FileStatus.CHANGED, report.error
        assert path.read_bytes() == transform_bytes(EXPECTED)

    def test_empty_file(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.py"
        path.write_bytes(b"")

        (report,) = _run([path])

        assert report.status is FileStatus.UNCHANGED
        assert path.read_bytes() == b""


class TestBadInput:
    """Each bad file gets one clear error; it stays unchanged and the run goes on."""

    def _assert_error(self, tmp_path: Path, bad: Path, message: str) -> None:
        good = tmp_path / "good.py"
        good.write_bytes(LOCKED)
        before = bad.read_bytes() if bad.is_file() and os.access(bad, os.R_OK) else None

        reports = {Path(r.path).name: r for r in _run([bad, good])}

        assert reports[bad.name].status is FileStatus.ERROR
        assert message in (reports[bad.name].error or "")
        assert good.read_bytes() == EXPECTED
        if before is not None:
            assert bad.read_bytes() == before

    def test_syntax_error(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        bad.write_bytes(LOCKED + b"def broken(:\n")

        self._assert_error(tmp_path, bad, "invalid syntax")

        (report,) = _run([bad])
        assert report.error_line == LOCKED.count(b"\n") + 1

    def test_undecodable_bytes(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        bad.write_bytes(LOCKED + b"x = '\xff\xfe'\n")

        self._assert_error(tmp_path, bad, "not valid utf-8")

    def test_unreadable(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        bad.write_bytes(LOCKED)
        bad.chmod(0)

        self._assert_error(tmp_path, bad, "not readable")

    def test_read_only_needing_a_rewrite(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        bad.write_bytes(LOCKED)
        bad.chmod(0o444)

        self._assert_error(tmp_path, bad, "read-only")

    def test_folder_named_like_a_module(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        bad.mkdir()

        self._assert_error(tmp_path, bad, "is a folder")

    def test_too_large(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        with bad.open("wb") as stream:
            stream.write(LOCKED)
            stream.write(b"x = 1\n" * (20 * 1024 * 1024 // 6))

        self._assert_error(tmp_path, bad, "over the 8 MiB limit")

    def test_unencodable_result(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        bad.write_bytes(b"# coding: ascii\n" + LOCKED)

        reports = run(
            [str(bad)],
            OPTIONS,
            transform=lambda code, *, path, options: rewrite_source(
                code.replace("hits += 1", "hits += 1  # \u2192"),
                path=path,
                options=options,
            ),
        )

        assert "cannot be encoded as ascii" in (reports[0].error or "")
        assert bad.read_bytes() == b"# coding: ascii\n" + LOCKED


class TestWorkers:
    """Worker processes give the same reports as an in-process run."""

    def test_parallel_matches_serial(self, tmp_path: Path) -> None:
        count = IN_PROCESS_LIMIT * 2 + 1
        for index in range(count):
            text = LOCKED if index % 3 else LOCKED + b"# refuse: shared lock\n"
            for folder in ("serial", "parallel"):
                (tmp_path / folder).mkdir(exist_ok=True)
                (tmp_path / folder / f"m{index:02}.py").write_bytes(text)

        serial = _run(sorted((tmp_path / "serial").iterdir()), jobs=1)
        parallel = _run(sorted((tmp_path / "parallel").iterdir()), jobs=2)

        def strip(reports):  # type: ignore[no-untyped-def]
            return [
                (Path(r.path).name, r.status, [(s.line, s.outcome) for s in r.sites])
                for r in reports
            ]

        assert strip(parallel) == strip(serial)
        assert sum(len(r.sites) for r in parallel) == count + (count + 2) // 3
        assert all(
            p.read_bytes().startswith(EXPECTED)
            for p in (tmp_path / "parallel").iterdir()
        )

    def test_progress_reaches_the_total(self, tmp_path: Path) -> None:
        paths = []
        for index in range(5):
            paths.append(tmp_path / f"m{index}.py")
            paths[-1].write_bytes(LOCKED if index % 2 else b"x = 1\n")
        seen: list[tuple[int, int]] = []

        _run(paths, progress=lambda done, total: seen.append((done, total)))

        assert seen[-1] == (5, 5)
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)

    def test_a_dying_worker_ends_as_errors(self, tmp_path: Path) -> None:
        paths = [tmp_path / f"m{index:02}.py" for index in range(IN_PROCESS_LIMIT + 2)]
        paths.append(tmp_path / "die.py")
        for path in paths:
            path.write_bytes(LOCKED)

        reports = run(
            [str(p) for p in paths], OPTIONS, jobs=2, transform=dying_rewrite_source
        )

        by_name = {Path(r.path).name: r for r in reports}
        assert len(reports) == len(paths)
        assert by_name["die.py"].status is FileStatus.ERROR
        assert "worker process died" in (by_name["die.py"].error or "")
        assert (tmp_path / "die.py").read_bytes() == LOCKED
        assert all(p.read_bytes() in (LOCKED, EXPECTED) for p in paths)
