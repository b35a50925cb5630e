"""The example service module rewrites to a clean diff that behaves the same."""

from __future__ import annotations

import dataclasses
import queue
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType

import libcst as cst
from golden_cases import REPO, load, rewrite
from libcst.codemod import CodemodContext

from lockless.codemod.sites import Outcome, Pattern
from lockless.codemod.transform import AtomicStatsCommand

EXAMPLE = REPO / "examples" / "router_stats.py"


def _rewritten_example(tmp_path: Path) -> ModuleType:
    code, _ = rewrite(EXAMPLE.read_text(), "router_stats.py")
    target = tmp_path / "router_stats_rewritten.py"
    target.write_text(code)
    return load(target, "router_stats_rewritten")


def _drive(module: ModuleType) -> object:
    """Route, publish and complete from 4 threads; return every statistic."""
    router = module.EventRouter(queue.Queue(), queue.Queue(maxsize=1000))
    bus = module.InProcessEventBus()
    bus.subscribe(lambda event: None)
    completions: queue.Queue = queue.Queue()
    subscriber = module.WorkerEventSubscriber("worker-1", completions)
    subscriber.start()
    clock = module.OrchestrationStatistics()
    never = clock.last_processing_time()

    def work(index: int) -> None:
        for i in range(300):
            router.route_durable({"i": i})
            router.route_fast({"i": i})
            bus.publish({"i": i})
            completions.put({"success": (i + index) % 3 != 0})
            clock.on_notification()
        completions.put("not a message")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    completions.put(None)
    subscriber._listener.join()
    snapshots = (
        router.get_statistics(),
        bus.get_statistics(),
        subscriber.get_statistics(),
    )
    return (
        [(type(s).__name__, dataclasses.asdict(s)) for s in snapshots],
        never,
        clock.last_processing_time() is not None,
    )


class TestExample:
    """examples/router_stats.py shows patterns 1, 2, 3 and 5."""

    def test_every_owner_is_rewritten(self) -> None:
        code, sites = rewrite(EXAMPLE.read_text(), "router_stats.py")

        assert code != EXAMPLE.read_text()
        assert [s.outcome for s in sites] == [Outcome.REWRITTEN] * 4
        assert {s.pattern for s in sites} == {
            Pattern.COUNTERS,
            Pattern.LIVE_VALUES,
            Pattern.IDENTITY,
            Pattern.TIMESTAMP,
        }

    def test_rewrite_keeps_no_lock_and_no_unused_import(self) -> None:
        code, _ = rewrite(EXAMPLE.read_text(), "router_stats.py")

        assert "threading.Lock()" not in code
        assert "import copy" not in code
        assert (
            "from lockless import AtomicCounter, AtomicTimestamp, IdentityField" in code
        )

    def test_same_statistics_under_threads(self, tmp_path: Path) -> None:
        original = load(EXAMPLE, "router_stats_original")
        rewritten = _rewritten_example(tmp_path)

        expected = _drive(original)
        actual = _drive(rewritten)

        assert actual == expected


class TestCodemodCommand:
    """AtomicStatsCommand runs as a plain libcst codemod command."""

    def test_command_rewrites_like_rewrite_source(self) -> None:
        source = EXAMPLE.read_text()
        command = AtomicStatsCommand(CodemodContext(filename="router_stats.py"))

        result = command.transform_module(cst.parse_module(source))

        assert result.code == rewrite(source, "router_stats.py")[0]
        assert len(command.sites) == 4


class TestLibcstTool:
    """``python -m libcst.tool codemod transform.AtomicStatsCommand`` works."""

    def test_tool_rewrites_a_file(self, tmp_path: Path) -> None:
        case = REPO / "fixtures" / "counters" / "ticket_dispenser"
        (tmp_path / ".libcst.codemod.yaml").write_text(
            'generated_code_marker: "@generated"\nformatter: []\n'
            'blacklist_patterns: []\nmodules:\n  - "lockless.codemod"\n'
            'repo_root: "."\n'
        )
        target = tmp_path / "dispenser.py"
        target.write_text((case / "input.py").read_text())

        subprocess.run(
            [
                sys.executable,
                "-m",
                "libcst.tool",
                "codemod",
                "-j1",
                "--no-format",
                "transform.AtomicStatsCommand",
                str(target),
            ],
            cwd=tmp_path,
            capture_output=True,
            check=True,
            timeout=120,
        )

        assert target.read_text() == (case / "output.py").read_text()
