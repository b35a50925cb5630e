"""The runtime on a free-threaded CPython (3.13t, no GIL).

These tests run inside the normal ``pytest`` run. A session fixture finds a
free-threaded interpreter, or builds one when allowed, makes a virtualenv for
it with only what the runtime needs, and every check then runs there in a
subprocess with ``PYTHON_GIL=0``.

Where the interpreter comes from, in order:

1. ``LOCKLESS_FT_PYTHON``: path to a free-threaded ``python3.13t``;
2. the cached prefix ``/opt/lockless-py313t``;
3. a fresh build into that prefix with ``scripts/build-freethreaded-python.sh``,
   only when ``CI`` is set or ``LOCKLESS_BUILD_FT=1`` (it needs root and apt,
   and takes about four minutes).

Otherwise the tests are skipped with the reason. Select or deselect them with
``-m freethreaded``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.freethreaded

REPO = Path(__file__).resolve().parents[2]
CHECKS = Path(__file__).resolve().with_name("lane_checks.py")
BUILD_SCRIPT = REPO / "scripts" / "build-freethreaded-python.sh"
PREFIX = Path("/opt/lockless-py313t")
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "lockless"

# What the runtime needs on 3.13t. The project's own dependencies (libcst for
# the codemod) are not installed: the runtime imports none of them.
# cereggii 1.0.0.post1 is the only release with a cp313t wheel.
FT_REQUIREMENTS = ("pytest>=8", "hypothesis>=6.100", "cereggii==1.0.0.post1")

# The lane's venv has only the runtime's needs: no plugins the project's
# addopts might name, and no conftest above tests/runtime (it could import
# the codemod's dependencies).
RUNTIME_SUITE_OPTIONS = (
    "-q",
    "-p",
    "no:cacheprovider",
    "-o",
    "addopts=",
    "--confcutdir",
    "tests/runtime",
)

BUILD_TIMEOUT = 30 * 60
INSTALL_TIMEOUT = 10 * 60
CHECK_TIMEOUT = 10 * 60
HAMMER_THREADS = 4
HAMMER_UPDATES = 1_000_000


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def _exclusive(name: str) -> Iterator[None]:
    """Hold a file lock so concurrent test sessions build and install once."""
    import fcntl  # POSIX only; the lane skips elsewhere before getting here

    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_free_threaded(python: Path) -> bool:
    probe = (
        "import sys, sysconfig; "
        "sys.exit(0 if sysconfig.get_config_var('Py_GIL_DISABLED') == 1 else 1)"
    )
    try:
        done = subprocess.run([str(python), "-c", probe], timeout=60, check=False)
    except OSError:
        return False
    return done.returncode == 0


def _build_interpreter(python: Path) -> None:
    """Build 3.13t into PREFIX; skip when the environment cannot, fail otherwise."""
    if os.geteuid() != 0:
        pytest.skip("building 3.13t needs root (apt-get); set LOCKLESS_FT_PYTHON")
    if shutil.which("apt-get") is None:
        pytest.skip("building 3.13t needs a Debian-like system with apt-get")

    CACHE.mkdir(parents=True, exist_ok=True)
    log = CACHE / "build-freethreaded.log"
    workdir = CACHE / "ft-build"
    shutil.rmtree(workdir, ignore_errors=True)
    command = ["bash", str(BUILD_SCRIPT), str(PREFIX), str(workdir)]
    with open(log, "w") as out:
        done = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT
        )
    shutil.rmtree(workdir, ignore_errors=True)

    output = log.read_text(errors="replace")
    if done.returncode == 2:
        pytest.skip(f"Debian mirror unreachable, 3.13t not built:\n{_tail(output)}")
    if done.returncode != 0 or not _is_free_threaded(python):
        pytest.fail(f"building 3.13t failed ({log}):\n{_tail(output)}")


def _find_interpreter() -> Path:
    explicit = os.environ.get("LOCKLESS_FT_PYTHON")
    if explicit:
        python = Path(explicit)
        if not _is_free_threaded(python):
            pytest.fail(f"LOCKLESS_FT_PYTHON={explicit!r} is not a free-threaded build")
        return python

    python = PREFIX / "bin" / "python3.13t"
    with _exclusive("ft-build"):
        if _is_free_threaded(python):
            return python
        if os.environ.get("CI") or os.environ.get("LOCKLESS_BUILD_FT") == "1":
            _build_interpreter(python)
            return python
    pytest.skip(
        f"no free-threaded interpreter at {python}; set LOCKLESS_FT_PYTHON, or "
        "LOCKLESS_BUILD_FT=1 to build one there (root and apt, about 4 minutes)"
    )


def _pip(venv_python: Path, *args: str) -> None:
    command = [str(venv_python), "-m", "pip", "install", "-q", "--prefer-binary"]
    done = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"pip install {' '.join(args)} failed:\n{_tail(done.stderr)}")


def _make_venv(python: Path) -> Path:
    """Create (once per interpreter, checkout and requirement set) the lane venv."""
    # A rebuilt interpreter (new mtime) or new requirements get a new venv.
    built = str(python.resolve().stat().st_mtime_ns)
    key_parts = [str(python.resolve()), built, str(REPO), *FT_REQUIREMENTS]
    key_source = "\n".join(key_parts)
    key = hashlib.sha256(key_source.encode()).hexdigest()[:12]
    venv = CACHE / f"ft-venv-{key}"
    venv_python = venv / "bin" / "python"
    ready = venv / "lockless-lane-ready"

    with _exclusive(f"ft-venv-{key}"):
        if ready.exists():
            return venv_python
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([str(python), "-m", "venv", str(venv)], check=True, timeout=300)
        _pip(venv_python, *FT_REQUIREMENTS)
        _pip(venv_python, "--no-deps", "-e", str(REPO))
        ready.write_text("ok\n")
    return venv_python


@pytest.fixture(scope="session")
def ft_python() -> Path:
    """The python of a venv on a free-threaded interpreter, with lockless installed."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the free-threaded lane builds and runs on Linux only")
    return _make_venv(_find_interpreter())


def _run(
    python: Path, *args: str, gil_env: str | None = "0"
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_GIL"}
    if gil_env is not None:
        env["PYTHON_GIL"] = gil_env
    return subprocess.run(
        [str(python), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT,
        check=False,
    )


def _run_check(python: Path, *args: str, gil_env: str | None = "0") -> object:
    done = _run(python, str(CHECKS), *args, gil_env=gil_env)
    assert done.returncode == 0, f"lane check {args} failed:\n{_tail(done.stderr)}"
    return json.loads(done.stdout)


def _available_backends(python: Path) -> list[str]:
    names = _run_check(python, "backends")
    assert isinstance(names, list)
    return [str(name) for name in names]


class TestGilStaysOff:
    """Importing the runtime and its backends never turns the GIL back on."""

    @pytest.mark.parametrize("gil_env", ["0", None], ids=["PYTHON_GIL=0", "default"])
    def test_gil_is_off_after_each_import(
        self, ft_python: Path, gil_env: str | None
    ) -> None:
        report = _run_check(ft_python, "gil", gil_env=gil_env)

        assert isinstance(report, dict)
        enabled = {step: on for step, on in report.items() if on}
        assert not enabled, f"GIL enabled after: {sorted(enabled)}"
        assert "import lockless" in report
        assert len(report) > 1, "no backend was exercised"


class TestCereggiiBackend:
    """The lane installs cereggii; the runtime must find it usable there."""

    @pytest.mark.parametrize("gil_env", ["0", None], ids=["PYTHON_GIL=0", "default"])
    def test_cereggii_is_available(self, ft_python: Path, gil_env: str | None) -> None:
        # The runtime drops cereggii silently if importing it turns the GIL on,
        # which the GIL probe alone would not notice.
        names = _run_check(ft_python, "backends", gil_env=gil_env)

        assert isinstance(names, list)
        assert "cereggii" in names, f"cereggii not usable on 3.13t: {names}"


class TestRuntimeSuite:
    """The runtime's own tests pass without the GIL."""

    def test_runtime_tests_pass(self, ft_python: Path) -> None:
        done = _run(ft_python, "-m", "pytest", *RUNTIME_SUITE_OPTIONS, "tests/runtime")

        if done.returncode == 5:
            pytest.skip("tests/runtime collected no tests")
        assert done.returncode == 0, f"tests/runtime on 3.13t:\n{_tail(done.stdout)}"


class TestHammer:
    """Every backend keeps exact totals under 4 threads x 1,000,000 updates."""

    def test_every_backend_is_exact(self, ft_python: Path) -> None:
        wrong = {}
        for backend in _available_backends(ft_python):
            result = _run_check(
                ft_python,
                "hammer",
                backend,
                str(HAMMER_THREADS),
                str(HAMMER_UPDATES),
            )
            assert isinstance(result, dict)
            if result["total"] != result["expected"]:
                wrong[backend] = result

        assert not wrong, f"lost or invented updates: {wrong}"


class TestCanary:
    """Plain ``obj.x += 1`` loses updates, so the lane really runs without a GIL."""

    def test_plain_increment_loses_updates(self, ft_python: Path) -> None:
        result = _run_check(
            ft_python, "canary", str(HAMMER_THREADS), str(HAMMER_UPDATES)
        )

        assert isinstance(result, dict)
        assert not result["gil_enabled"], "the GIL is on: the lane proves nothing"
        assert result["total"] < result["expected"], (
            "plain += lost no updates across threads: this interpreter is not "
            f"running without the GIL, so the lane proves nothing ({result})"
        )
