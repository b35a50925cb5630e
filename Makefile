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
