"""The pinned packages, where their code lives and how their tests run offline."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PackageSpec:
    """One pinned sdist and the recipe for running its tests offline."""

    name: str
    version: str
    source_dir: str
    """Folder inside the unpacked sdist that lockless rewrites (no tests)."""

    test_requirements: tuple[str, ...]
    pytest_args: tuple[str, ...]
    """Test paths and options, relative to the unpacked sdist."""

    test_scope: str
    """One sentence for the report: which tests run and why only those."""

    env: dict[str, str] = field(default_factory=dict)
    added_files: tuple[str, ...] = ()
    """Empty files the sdist lacks but its tests need (e.g. a package marker)."""

    timeout: int = 900
    """Seconds allowed for one run of the tests."""

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def import_name(self) -> str:
        """The module ``source_dir`` holds, e.g. ``opentelemetry.sdk``."""
        parts = self.source_dir.split("/")
        if parts[0] in ("src", "lib"):
            parts = parts[1:]
        return ".".join(parts)


CATALOG: tuple[PackageSpec, ...] = (
    PackageSpec(
        name="prometheus_client",
        version="0.26.0",
        source_dir="prometheus_client",
        test_requirements=("asgiref", "twisted"),
        pytest_args=("tests",),
        test_scope="the whole sdist test suite (aiohttp and django tests skip).",
    ),
    PackageSpec(
        name="cacheout",
        version="0.17.0",
        source_dir="src/cacheout",
        test_requirements=("pytest-asyncio",),
        pytest_args=("tests",),
        test_scope="the whole sdist test suite, without coverage options.",
    ),
    PackageSpec(
        name="pyformance",
        version="0.4",
        source_dir="pyformance",
        test_requirements=("six", "mock"),
        pytest_args=("tests",),
        test_scope="the whole sdist test suite.",
    ),
    PackageSpec(
        name="dnspython",
        version="2.9.2",
        source_dir="dns",
        test_requirements=("cryptography", "idna", "trio", "trustme"),
        pytest_args=("tests",),
        test_scope="the whole sdist test suite with NO_INTERNET=1.",
        env={"NO_INTERNET": "1"},
    ),
    PackageSpec(
        name="cachetools",
        version="8.0.2",
        source_dir="src/cachetools",
        test_requirements=(),
        pytest_args=("tests",),
        test_scope="the whole sdist test suite.",
    ),
    PackageSpec(
        name="opentelemetry-sdk",
        version="1.45.2",
        source_dir="src/opentelemetry/sdk",
        test_requirements=(
            "opentelemetry-api==1.45.2",
            "opentelemetry-semantic-conventions==0.66b2",
            "opentelemetry-test-utils==0.66b2",
            "flaky",
            "pytest-benchmark",
        ),
        pytest_args=("tests",),
        test_scope="the sdk's own tests (api and exporters are not rewritten).",
    ),
    PackageSpec(
        name="SQLAlchemy",
        version="2.1.9",
        source_dir="lib/sqlalchemy",
        test_requirements=("typing-extensions", "greenlet"),
        pytest_args=("test/base", "test/engine/test_pool.py"),
        test_scope=(
            "test/base and test/engine/test_pool.py on sqlite, pure Python "
            "(the pool holds the locked overflow counter)."
        ),
        env={"DISABLE_SQLALCHEMY_CEXT": "1"},
    ),
    PackageSpec(
        name="redis",
        version="8.2.0",
        source_dir="redis",
        test_requirements=(
            "pytest-asyncio",
            "numpy",
            "ujson",
            "pybreaker",
            "xxhash",
            "aiohttp",
        ),
        pytest_args=(
            "tests/test_connection_pool.py",
            "tests/test_connection.py",
            "tests/test_max_connections_error.py",
            "tests/test_multidb",
            "tests/test_background.py",
            "tests/test_backoff.py",
            "tests/test_retry.py",
            "tests/test_utils.py",
            "tests/test_event.py",
            "tests/test_data_structure.py",
            "tests/maint_notifications",
        ),
        test_scope=(
            "the modules around the connection pool, multi-database client, "
            "background tasks and maintenance notifications; there is no Redis "
            "server, so the tests that need one fail or error the same way "
            "before and after."
        ),
    ),
    PackageSpec(
        name="sentry-sdk",
        version="2.76.0",
        source_dir="sentry_sdk",
        test_requirements=(
            # pytest-forked runs no test under pytest 9 (child exits with 3).
            "pytest<9",
            "pytest-asyncio",
            "pytest-forked",
            "httpcore[http2,socks,asyncio]",
            "pysocks",
            "anyio",
            "pytest-localserver",
            "responses",
            "werkzeug",
            "jsonschema",
            "executing",
            "asttokens",
            "pure_eval",
            "brotli",
        ),
        pytest_args=(
            "tests/test_sessions.py",
            "tests/test_basics.py",
            "tests/test_client.py",
            "tests/test_transport.py",
            "tests/test_scope.py",
        ),
        test_scope="sessions, basics, client, transport and scope tests.",
    ),
    PackageSpec(
        name="kafka-python",
        version="3.0.12",
        source_dir="kafka",
        test_requirements=("pytest-mock",),
        pytest_args=(
            "test",
            "--ignore=test/integration",
            "--ignore=test/test_mock_broker.py",
            "--ignore=test/net/test_sasl_reauthentication.py",
            "--ignore=test/test_cluster.py",
            "--ignore=test/net/test_manager.py",
        ),
        test_scope=(
            "unit tests; left out: test/integration (needs a broker), the "
            "modules that import test/mock_broker.py or use fixtures of a "
            "test/conftest.py (neither is in the sdist; test_metrics.py keeps "
            "11 such errors). "
            "The harness adds an empty test/__init__.py so that `test.testutil` "
            "does not resolve to the standard library's `test` package."
        ),
        added_files=("test/__init__.py",),
    ),
)


def find_spec(name: str) -> PackageSpec:
    """The catalog entry whose name matches ``name`` (case and -/_ ignored)."""
    wanted = _normalise(name)
    for spec in CATALOG:
        if _normalise(spec.name) == wanted:
            return spec
    known = ", ".join(spec.name for spec in CATALOG)
    raise KeyError(f"unknown package {name!r}; expected one of: {known}")


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-")
