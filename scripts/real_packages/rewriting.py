"""Run lockless over a package's source folder and collect what it decided."""

from __future__ import annotations

import io
import tokenize
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SiteRecord:
    """One candidate site, with its path relative to the unpacked sdist."""

    path: str
    line: int
    owner: str
    pattern: str
    outcome: str
    reason: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class RewriteSummary:
    """What lockless did to one package's source folder."""

    files_scanned: int = 0
    files_changed: list[str] = field(default_factory=list)
    sites: list[SiteRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """``path: error: message`` for every file lockless could not handle."""

    def outcome_count(self, outcome: str) -> int:
        return sum(1 for site in self.sites if site.outcome == outcome)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sites"] = [asdict(site) for site in self.sites]
        return data


def rewrite_tree(tree: Path, source_dir: str) -> RewriteSummary:
    """Rewrite every ``.py`` file under ``tree / source_dir`` in place."""
    # Imported here so that the harness can run baselines before the
    # codemod exists.
    from lockless.codemod.transform import rewrite_source

    from lockless.codemod.sites import RewriteOptions

    summary = RewriteSummary()
    options = RewriteOptions()
    for path in sorted((tree / source_dir).rglob("*.py")):
        relative = path.relative_to(tree).as_posix()
        summary.files_scanned += 1
        raw = path.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
        code = raw.decode(encoding)
        try:
            result = rewrite_source(code, path=relative, options=options)
        except Exception as exc:  # noqa: BLE001 - every crash is a finding to report
            summary.errors.append(f"{relative}: error: {type(exc).__name__}: {exc}")
            continue
        summary.sites.extend(_record(site) for site in result.sites)
        if result.code != code:
            path.write_bytes(result.code.encode(encoding))
            summary.files_changed.append(relative)
    return summary


def _record(site: Any) -> SiteRecord:
    return SiteRecord(
        path=site.path,
        line=site.line,
        owner=site.owner,
        pattern=site.pattern.value,
        outcome=site.outcome.value,
        reason=site.reason,
    )


def codemod_available() -> bool:
    try:
        import lockless.codemod.transform  # noqa: F401
    except ImportError:
        return False
    return True
