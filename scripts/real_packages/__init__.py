"""Run lockless over pinned PyPI sdists and compare each package's own tests.

Run it as ``python scripts/real_packages [--only NAME] [--work DIR] [--keep]``.
For every package in :mod:`catalog` it downloads the sdist, runs the package's
tests on the pristine copy, rewrites a second copy with lockless, reruns the
tests there, and writes ``docs/real-packages.md`` and ``docs/real-packages.json``.
"""
