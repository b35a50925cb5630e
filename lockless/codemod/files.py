"""Source files on disk: finding them, decoding them, and replacing them safely.

Discovery walks the given folders the way a developer expects a formatter to:
it honours ``.gitignore`` files, skips virtualenvs, installed packages, build
output and caches, and refuses to follow symlinks that loop or lead outside
the folder being scanned. Decoding keeps the file's own encoding (including a
UTF-8 byte-order mark) so that writing the text back reproduces every byte
outside the rewritten code. Writes go to a temporary file in the same folder
that is flushed to disk and then renamed over the original, so a file is at
any moment either fully old or fully new.

Nothing here imports, compiles or executes the files it reads.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import tempfile
import tokenize
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pathspec

from lockless.exceptions import InvalidInput

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Files larger than this (8 MiB) are reported, not read: they are generated."""

SKIPPED_FOLDER_NAMES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".eggs",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "__pycache__",
        "__pypackages__",
        "site-packages",
        "node_modules",
        "build",
        "dist",
    }
)
"""Folders never scanned below a given root: VCS data, caches, installs, builds."""

GENERATED_NAME_SUFFIXES = ("_pb2.py", "_pb2_grpc.py")
"""File names that protocol-buffer compilers emit; never worth rewriting."""


_Ignores = list[tuple[str, pathspec.GitIgnoreSpec]]
"""Gitignore rules in force, each with the folder its patterns are relative to."""


class SourceAccessError(OSError):
    """A source file cannot be found, read or written safely; the message says why."""


@dataclass(frozen=True)
class DiscoveryError:
    """A path met during discovery that cannot be scanned (a loop, a stray link)."""

    path: str
    message: str


@dataclass(frozen=True)
class Discovery:
    """The files to scan, in a stable order, and what could not be scanned."""

    files: tuple[str, ...]
    errors: tuple[DiscoveryError, ...]


@dataclass(frozen=True)
class DecodedSource:
    """A file's text together with what is needed to write it back unchanged."""

    text: str
    encoding: str
    """The codec :func:`tokenize.detect_encoding` found (``utf-8-sig`` keeps a BOM)."""

    def encode(self, text: str) -> bytes:
        """``text`` in the file's own encoding; raises InvalidInput if it cannot be."""
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError as error:
            line = text[: error.start].count("\n") + 1
            raise InvalidInput(
                f"rewritten code cannot be encoded as {self.encoding}", line=line
            ) from None


def discover(
    paths: Sequence[str],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Discovery:
    """Every Python file under ``paths``, minus ignored, excluded and skipped ones.

    A file named on the command line is always scanned. Inside folders,
    ``include`` (default ``*.py``) and ``exclude`` are gitignore-style patterns
    relative to the folder given.
    """
    include_spec = pathspec.GitIgnoreSpec.from_lines(include or ["*.py"])
    exclude_spec = pathspec.GitIgnoreSpec.from_lines(exclude)
    files: dict[str, str] = {}
    errors: list[DiscoveryError] = []

    for given in paths:
        walker = _FolderWalk(given, include_spec, exclude_spec, errors)
        for path in walker.files():
            files.setdefault(os.path.realpath(path), path)
    return Discovery(files=tuple(sorted(files.values())), errors=tuple(errors))


class _FolderWalk:
    """One given path, walked depth-first with the ignore rules of each level."""

    def __init__(
        self,
        given: str,
        include: pathspec.GitIgnoreSpec,
        exclude: pathspec.GitIgnoreSpec,
        errors: list[DiscoveryError],
    ) -> None:
        self.given = given
        self.root = os.path.realpath(given)
        self.include = include
        self.exclude = exclude
        self.errors = errors
        self.visited: set[str] = set()

    def files(self) -> Iterator[str]:
        try:
            mode = os.stat(self.given).st_mode
        except OSError as error:
            self._error(self.given, _describe_os_error(error))
            return
        if not stat.S_ISDIR(mode):
            yield self.given
            return
        if self.given.endswith(".py"):
            self._error(self.given, "is a folder, not a Python file")
            return
        ignores = _parent_gitignores(self.root)
        yield from self._walk(self.given, "", ignores)

    def _walk(self, folder: str, relative: str, ignores: _Ignores) -> Iterator[str]:
        self.visited.add(os.path.realpath(folder))
        ignores = ignores + _own_gitignore(folder)
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            self._error(folder, _describe_os_error(error))
            return

        for entry in entries:
            child = f"{relative}{entry.name}"
            is_folder = self._is_folder(entry)
            if is_folder is None or self._is_ignored(entry, child, is_folder, ignores):
                continue
            if is_folder:
                yield from self._enter(entry, child, ignores)
            elif self.include.match_file(child):
                yield os.path.normpath(entry.path)  # "./a.py" is shown as "a.py"

    def _enter(
        self,
        entry: os.DirEntry[str],
        child: str,
        ignores: _Ignores,
    ) -> Iterator[str]:
        if entry.name.endswith(".py") and self.include.match_file(child):
            self._error(entry.path, "is a folder, not a Python file")
        elif os.path.realpath(entry.path) not in self.visited:
            yield from self._walk(entry.path, child + "/", ignores)

    def _is_folder(self, entry: os.DirEntry[str]) -> bool | None:
        """Whether to descend; None if the entry must be skipped (after reporting)."""
        try:
            is_folder = entry.is_dir()
            if entry.is_symlink():
                os.stat(entry.path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                self._error(entry.path, "symlink loop")
            return None
        if entry.is_symlink() and (is_folder or entry.name.endswith(".py")):
            target = os.path.realpath(entry.path)
            if os.path.commonpath([self.root, target]) != self.root:
                self._error(
                    entry.path, f"symlink points outside {self.given}: {target}"
                )
                return None
        return is_folder

    def _is_ignored(
        self,
        entry: os.DirEntry[str],
        child: str,
        is_folder: bool,
        ignores: _Ignores,
    ) -> bool:
        if is_folder and _is_skipped_folder(entry):
            return True
        if not is_folder and entry.name.endswith(GENERATED_NAME_SUFFIXES):
            return True
        as_matched = child + "/" if is_folder else child
        if self.exclude.match_file(as_matched):
            return True
        absolute = os.path.realpath(os.path.dirname(entry.path))
        for base, spec in ignores:
            below = os.path.relpath(os.path.join(absolute, entry.name), base)
            if spec.match_file(below + "/" if is_folder else below):
                return True
        return False

    def _error(self, path: str, message: str) -> None:
        self.errors.append(DiscoveryError(path=path, message=message))


def _is_skipped_folder(entry: os.DirEntry[str]) -> bool:
    if entry.name in SKIPPED_FOLDER_NAMES or entry.name.endswith(".egg-info"):
        return True
    return os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def _own_gitignore(folder: str) -> _Ignores:
    try:
        with open(os.path.join(folder, ".gitignore"), encoding="utf-8") as stream:
            lines = stream.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    return [(os.path.realpath(folder), pathspec.GitIgnoreSpec.from_lines(lines))]


def _parent_gitignores(root: str) -> _Ignores:
    """``.gitignore`` files above ``root`` up to the repository top, outermost first."""
    parents: list[str] = []
    folder = root
    while not os.path.exists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            return []
        folder = parent
        parents.append(folder)
    ignores: _Ignores = []
    for parent in reversed(parents):
        ignores.extend(_own_gitignore(parent))
    return ignores


def read_source(path: str) -> tuple[bytes, int]:
    """A file's bytes and permission bits; SourceAccessError if unsafe to read."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise SourceAccessError(_describe_os_error(error)) from None
    if stat.S_ISDIR(info.st_mode):
        raise SourceAccessError("is a folder, not a Python file")
    if not stat.S_ISREG(info.st_mode):
        raise SourceAccessError("is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        size = info.st_size / (1024 * 1024)
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise SourceAccessError(f"file is {size:.1f} MiB, over the {limit} MiB limit")

    # Root can read anything; a file nobody may read is still treated as unreadable.
    if not info.st_mode & (stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH):
        raise SourceAccessError("permission denied: the file is not readable")
    try:
        with open(path, "rb") as stream:
            return stream.read(), stat.S_IMODE(info.st_mode)
    except OSError as error:
        raise SourceAccessError(_describe_os_error(error)) from None


def decode_source(data: bytes) -> DecodedSource:
    """Decode source bytes the way Python would; raises InvalidInput if it cannot."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise InvalidInput(f"cannot detect the encoding: {error.msg}") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidInput(f"bytes that are not valid {encoding}", line=line) from None
    return DecodedSource(text=text, encoding=encoding)


def replace_file(path: str, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` atomically, keeping the permission bits ``mode``.

    The new content goes to a temporary file in the same folder, is flushed to
    disk, and is renamed over the original; readers and an interrupted run see
    the old file or the new one, never a mix. A symlink is kept and its target
    replaced.
    """
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise SourceAccessError("the file is read-only; left unchanged")
    target = os.path.realpath(path)
    folder, name = os.path.split(target)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{name}.", suffix=".lockless-tmp", dir=folder
        )
    except OSError as error:
        raise SourceAccessError(_describe_os_error(error)) from None

    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        _remove_quietly(temporary)
        if isinstance(error, OSError):
            raise SourceAccessError(_describe_os_error(error)) from None
        raise


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _describe_os_error(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if error.errno == errno.ENOENT:
        return "no such file or folder"
    if error.errno == errno.EISDIR:
        return "is a folder, not a Python file"
    return (error.strerror or str(error)).lower()
