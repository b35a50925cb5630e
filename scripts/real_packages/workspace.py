"""Downloads, unpacked trees and per-package virtualenvs under one work folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .catalog import PackageSpec

PIP_TIMEOUT = 1200
"""Seconds allowed for one pip command (downloads, builds and installs)."""


class HarnessError(RuntimeError):
    """A step of the harness itself failed (not the package's tests)."""


@dataclass(frozen=True)
class PackageDirs:
    """Where one package's downloads, copies and virtualenv live."""

    root: Path
    downloads: Path

    @property
    def pristine(self) -> Path:
        return self.root / "pristine"

    @property
    def rewritten(self) -> Path:
        return self.root / "rewritten"

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def package_dirs(work: Path, spec: PackageSpec) -> PackageDirs:
    return PackageDirs(root=work / spec.name, downloads=work / "downloads")


def run_logged(
    command: list[str], log: Path, *, timeout: int, env: dict[str, str] | None = None
) -> int:
    """Run ``command``, append its output to ``log``; raise on timeout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        try:
            done = subprocess.run(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise HarnessError(f"timed out after {timeout}s: {command[:4]}") from exc
    return done.returncode


def fetch_sdist(spec: PackageSpec, dirs: PackageDirs) -> Path:
    """The sdist archive, downloaded by pip once and reused afterwards."""
    cached = _find_archive(spec, dirs.downloads)
    if cached is not None:
        return cached
    # Only the package itself must be built from source; its build
    # dependencies may come as wheels (some have no offline source build).
    command = [sys.executable, "-m", "pip", "download", "--no-deps"]
    command += ["--no-binary", spec.name, spec.pin, "-d", str(dirs.downloads)]
    status = run_logged(command, dirs.logs / "download.log", timeout=PIP_TIMEOUT)
    archive = _find_archive(spec, dirs.downloads)
    if status != 0 or archive is None:
        raise HarnessError(f"pip download {spec.pin} failed, see {dirs.logs}")
    return archive


def _find_archive(spec: PackageSpec, downloads: Path) -> Path | None:
    if not downloads.is_dir():
        return None
    stem = spec.name.lower().replace("-", "_")
    for candidate in sorted(downloads.iterdir()):
        name = candidate.name.lower().replace("-", "_")
        if name.startswith(f"{stem}_{spec.version}.") and _is_archive(name):
            return candidate
    return None


def _is_archive(name: str) -> bool:
    return name.endswith((".tar.gz", ".zip"))


def unpack_fresh(archive: Path, target: Path) -> None:
    """Unpack ``archive`` so that ``target`` is the sdist's top folder."""
    if target.exists():
        shutil.rmtree(target)
    staging = target.with_name(target.name + ".unpacking")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(staging)
    else:
        with tarfile.open(archive) as bundle:
            _extract_tar(bundle, staging)
    (top,) = list(staging.iterdir())
    top.rename(target)
    staging.rmdir()


def _extract_tar(bundle: tarfile.TarFile, target: Path) -> None:
    # The "data" filter refuses links and paths that leave the target; older
    # Pythons without it get the plain extraction.
    if hasattr(tarfile, "data_filter"):
        bundle.extractall(target, filter="data")
    else:
        bundle.extractall(target)  # noqa: S202


def copy_tree(source: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=True)


def prepare_venv(spec: PackageSpec, dirs: PackageDirs, project: Path) -> None:
    """Create or reuse the package's virtualenv with its test requirements."""
    wanted = {"requirements": list(spec.test_requirements), "project": str(project)}
    marker = dirs.venv / "lockless-real-packages.json"
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return
    if dirs.venv.exists():
        shutil.rmtree(dirs.venv)
    log = dirs.logs / "venv.log"
    if run_logged([_base_python(), "-m", "venv", str(dirs.venv)], log, timeout=300):
        raise HarnessError(f"cannot create a virtualenv, see {log}")
    # lockless itself provides the runtime that rewritten code imports.
    requirements = ["pytest", "pytest-timeout", *spec.test_requirements]
    pip_install(dirs, [*requirements, "-e", str(project)], log)
    marker.write_text(json.dumps(wanted))


def install_copy(spec: PackageSpec, dirs: PackageDirs, tree: Path) -> None:
    """Install ``tree`` (pristine or rewritten) editable, with its dependencies."""
    log = dirs.logs / f"install-{tree.name}.log"
    pip_install(dirs, ["-e", str(tree)], log, env=spec.env)
    check_installed_from(spec, dirs, tree)


def check_installed_from(spec: PackageSpec, dirs: PackageDirs, tree: Path) -> None:
    """Fail unless the virtualenv imports the package from ``tree``."""
    # A namespace package (opentelemetry.sdk) has no __file__, only a path.
    code = f"import {spec.import_name} as m; print(m.__file__ or list(m.__path__)[0])"
    done = subprocess.run(
        [str(dirs.python), "-c", code],
        cwd=dirs.root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **spec.env},
        check=False,
    )
    location = Path(done.stdout.strip() or "/nonexistent").resolve()
    if not location.is_relative_to(tree.resolve()):
        found = done.stdout.strip() or done.stderr.strip()[-300:]
        raise HarnessError(f"{spec.import_name} is not imported from {tree}: {found}")


def pip_install(
    dirs: PackageDirs,
    arguments: list[str],
    log: Path,
    env: dict[str, str] | None = None,
) -> None:
    command = [str(dirs.python), "-m", "pip", "install", "--prefer-binary"]
    full_env = {**os.environ, **(env or {})}
    if run_logged(command + arguments, log, timeout=PIP_TIMEOUT, env=full_env):
        raise HarnessError(f"pip install {' '.join(arguments)} failed, see {log}")


def _base_python() -> str:
    """The interpreter the running virtualenv was made from."""
    return getattr(sys, "_base_executable", None) or sys.executable
