# Two entry points (README): `make run` and `make test`. Both build .venv from this
# project's own files, so a fresh clone needs nothing but Python >= 3.11 and a package index.
# Both install with requirements.lock as constraints, so what is tested is what is deployed;
# `make run` installs zcwatch alone, `make test` adds the test tools.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install -q --disable-pip-version-check -c requirements.lock
STAMP  := $(VENV)/.installed
RUNSTAMP := $(VENV)/.installed-run
# An editable install is not byte-compiled (pip compiles a wheel's modules, not a project's folders), and
# where PYTHONDONTWRITEBYTECODE is set nothing writes .pyc at run time: every command would compile zcwatch
# from source (about 60 ms a command). Compile it once at install, as pip does for what it installs.
COMPILE := $(BIN)/python -m compileall -q core extractor store crawler notifier scheduler web zcwatch

.PHONY: run test lint venv clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNSTAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) -e . 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c 'import zcwatch, scrapy, sqlalchemy, alembic, apscheduler, apprise, bs4, lxml, openpyxl, docx, pypdf, jinja2, starlette, uvicorn'
	$(COMPILE)
	touch $(RUNSTAMP)

$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c 'import zcwatch, scrapy, sqlalchemy, alembic, apscheduler, apprise, bs4, lxml, openpyxl, docx, pypdf, jinja2, starlette, uvicorn, pytest, playwright'
	$(COMPILE)
	touch $(STAMP)

venv: $(STAMP)

run: $(RUNSTAMP)
	$(BIN)/zcwatch run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	# Two workers, one test file each at a time: a file's module fixtures (servers, databases) stay in one process.
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: $(STAMP)
	$(PIP) -e '.[test,bench]' 2>&1 | grep -v '^WARNING: Location' || true
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
