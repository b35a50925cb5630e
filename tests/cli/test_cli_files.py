"""Discovery, decoding and atomic replacement of source files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lockless.codemod.files import (
    MAX_FILE_BYTES,
    SourceAccessError,
    decode_source,
    discover,
    read_source,
    replace_file,
)
from lockless.exceptions import InvalidInput


def _touch(root: Path, *relative: str) -> None:
    for name in relative:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def _found(root: Path, **kwargs: object) -> list[str]:
    discovery = discover([str(root)], **kwargs)  # type: ignore[arg-type]
    return [os.path.relpath(path, root) for path in discovery.files]


class TestDiscovery:
    """Which files a folder scan yields."""

    def test_only_python_files_in_sorted_order(self, tmp_path: Path) -> None:
        _touch(tmp_path, "b.py", "a.py", "pkg/c.py", "notes.txt", "stub.pyi")

        found = _found(tmp_path)

        assert found == ["a.py", "b.py", "pkg/c.py"]

    def test_skipped_folders(self, tmp_path: Path) -> None:
        _touch(
            tmp_path,
            "keep.py",
            ".git/hook.py",
            ".tox/py311/t.py",
            "__pycache__/m.py",
            "build/lib/m.py",
            "dist/m.py",
            "node_modules/pkg/m.py",
            "lib/site-packages/m.py",
            "proj.egg-info/m.py",
            "env/lib/m.py",
        )
        (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")

        found = _found(tmp_path)

        assert found == ["keep.py"]

    def test_generated_protobuf_modules_skipped(self, tmp_path: Path) -> None:
        _touch(tmp_path, "api_pb2.py", "api_pb2_grpc.py", "api.py")

        assert _found(tmp_path) == ["api.py"]

    def test_gitignore_in_folder_and_above(self, tmp_path: Path) -> None:
        (tmp_path / ".git").mkdir()
        (tmp_path / ".gitignore").write_text("generated/\n")
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / ".gitignore").write_text("*_local.py\n!keep_local.py\n")
        _touch(
            tmp_path,
            "src/app.py",
            "src/settings_local.py",
            "src/keep_local.py",
            "src/generated/out.py",
        )

        found = _found(tmp_path / "src")

        assert found == ["app.py", "keep_local.py"]

    def test_include_and_exclude_patterns(self, tmp_path: Path) -> None:
        _touch(tmp_path, "a.py", "tests/test_a.py", "tools/gen.py", "script")

        found = _found(tmp_path, include=["*.py", "script"], exclude=["tests/"])

        assert found == ["a.py", "script", "tools/gen.py"]

    def test_file_named_explicitly_is_kept(self, tmp_path: Path) -> None:
        _touch(tmp_path, "build/setup_helper.py")
        given = str(tmp_path / "build" / "setup_helper.py")

        discovery = discover([given])

        assert discovery.files == (given,)

    def test_same_file_twice_is_scanned_once(self, tmp_path: Path) -> None:
        _touch(tmp_path, "a.py")

        discovery = discover([str(tmp_path), str(tmp_path / "a.py")])

        assert len(discovery.files) == 1


class TestDiscoveryErrors:
    """Paths that cannot be scanned are reported, and the rest still is."""

    def test_missing_path(self, tmp_path: Path) -> None:
        discovery = discover([str(tmp_path / "absent.py")])

        assert discovery.files == ()
        assert [e.message for e in discovery.errors] == ["no such file or folder"]

    def test_symlink_loop(self, tmp_path: Path) -> None:
        _touch(tmp_path, "a.py")
        (tmp_path / "loop.py").symlink_to(tmp_path / "loop.py")

        discovery = discover([str(tmp_path)])

        assert [Path(p).name for p in discovery.files] == ["a.py"]
        assert [(Path(e.path).name, e.message) for e in discovery.errors] == [
            ("loop.py", "symlink loop")
        ]

    def test_folder_symlink_cycle_is_walked_once(self, tmp_path: Path) -> None:
        _touch(tmp_path, "pkg/a.py")
        (tmp_path / "pkg" / "again").symlink_to(tmp_path / "pkg")

        assert _found(tmp_path) == ["pkg/a.py"]

    def test_symlink_outside_root(self, tmp_path: Path) -> None:
        outside = tmp_path / "outside"
        root = tmp_path / "root"
        _touch(outside, "secret.py")
        _touch(root, "a.py")
        (root / "link.py").symlink_to(outside / "secret.py")
        (root / "linked_dir").symlink_to(outside)

        discovery = discover([str(root)])

        assert [Path(p).name for p in discovery.files] == ["a.py"]
        assert sorted(Path(e.path).name for e in discovery.errors) == [
            "link.py",
            "linked_dir",
        ]
        assert all("outside" in e.message for e in discovery.errors)

    def test_folder_named_like_a_module(self, tmp_path: Path) -> None:
        _touch(tmp_path, "a.py", "x.py/inner.py")

        discovery = discover([str(tmp_path)])

        assert [Path(p).name for p in discovery.files] == ["a.py"]
        assert [e.message for e in discovery.errors] == [
            "is a folder, not a Python file"
        ]


class TestReading:
    """Reading refuses files that are unsafe or pointless to parse."""

    def test_too_large(self, tmp_path: Path) -> None:
        big = tmp_path / "big.py"
        with big.open("wb") as stream:
            stream.truncate(MAX_FILE_BYTES + 1)

        with pytest.raises(SourceAccessError, match="over the 8 MiB limit"):
            read_source(str(big))

    def test_no_read_permission(self, tmp_path: Path) -> None:
        path = tmp_path / "secret.py"
        path.write_text("x = 1\n")
        path.chmod(0)

        with pytest.raises(SourceAccessError, match="not readable"):
            read_source(str(path))

    def test_returns_bytes_and_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "a.py"
        path.write_bytes(b"x = 1\r\n")
        path.chmod(0o640)

        assert read_source(str(path)) == (b"x = 1\r\n", 0o640)


class TestDecoding:
    """Text comes back in the file's own encoding, byte for byte."""

    @pytest.mark.parametrize(
        ("data", "encoding"),
        [
            (b"\xef\xbb\xbfx = 'caf\xc3\xa9'\r\n", "utf-8-sig"),
            (b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n", "iso-8859-1"),
            (b"\tx = 1\n", "utf-8"),
            (b"", "utf-8"),
        ],
    )
    def test_round_trip(self, data: bytes, encoding: str) -> None:
        source = decode_source(data)

        assert source.encoding == encoding
        assert "\ufeff" not in source.text
        assert source.encode(source.text) == data

    def test_undecodable_bytes_name_the_line(self) -> None:
        with pytest.raises(InvalidInput, match="not valid utf-8") as raised:
            decode_source(b"x = 1\ny = '\xff'\n")

        assert raised.value.line == 2

    def test_text_that_does_not_fit_the_encoding(self) -> None:
        source = decode_source(b"# coding: latin-1\nx = 1\n")

        with pytest.raises(InvalidInput, match="cannot be encoded"):
            source.encode("# coding: latin-1\nx = '\u20ac'\n")


class TestReplacing:
    """Atomic replacement keeps permissions and leaves no temporary file."""

    def test_content_and_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "a.py"
        path.write_bytes(b"old\n")
        path.chmod(0o751)

        replace_file(str(path), b"new\n", 0o751)

        assert path.read_bytes() == b"new\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o751
        assert os.listdir(tmp_path) == ["a.py"]

    def test_read_only_file_is_left_alone(self, tmp_path: Path) -> None:
        path = tmp_path / "a.py"
        path.write_bytes(b"old\n")
        path.chmod(0o444)

        with pytest.raises(SourceAccessError, match="read-only"):
            replace_file(str(path), b"new\n", 0o444)

        assert path.read_bytes() == b"old\n"

    def test_symlink_is_kept(self, tmp_path: Path) -> None:
        target = tmp_path / "real.py"
        target.write_bytes(b"old\n")
        link = tmp_path / "link.py"
        link.symlink_to(target)

        replace_file(str(link), b"new\n", 0o644)

        assert link.is_symlink()
        assert target.read_bytes() == b"new\n"
