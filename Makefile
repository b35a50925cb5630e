# Developer entry points. The README's two commands need nothing but Python;
# these assume the virtualenv they create (.venv).
PY ?= .venv/bin/python

.PHONY: venv test lint format typecheck bench fixtures real-packages freethreaded clean

venv:
	python3 -m venv .venv
	$(PY) -m pip install -q -e '.[test,dev]'

test:
	$(PY) -m pytest

lint:
	$(PY) -m ruff check lockless tests benchmarks scripts
	$(PY) -m ruff format --check lockless tests benchmarks scripts
	$(PY) -m mypy

format:
	$(PY) -m ruff format lockless tests benchmarks scripts
	$(PY) -m ruff check --fix lockless tests benchmarks scripts

typecheck:
	$(PY) -m mypy

bench:
	$(PY) benchmarks/record_vs_lock.py
	$(PY) benchmarks/memory.py
	$(PY) benchmarks/scan_speed.py

fixtures:
	$(PY) tests/codemod/golden_cases.py --regenerate
	$(PY) tests/codemod/test_breaker.py --regenerate

# Builds (or reuses) a free-threaded CPython 3.13 and runs the runtime there.
freethreaded:
	LOCKLESS_BUILD_FT=1 $(PY) -m pytest tests/freethreaded

# Downloads the pinned sdists, rewrites them and runs their own tests; writes
# docs/real-packages.md. Takes tens of minutes.
real-packages:
	$(PY) scripts/real_packages

clean:
	rm -rf build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
