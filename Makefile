# Two entry points (README): `make run` and `make test`. Both build .venv from this
# project's own files, so a fresh clone needs nothing but Python >= 3.11 and a package index.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint venv clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c 'import zcwatch, scrapy, sqlalchemy, apscheduler, apprise, bs4, pytest'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/zcwatch run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[test,bench]' 2>&1 | grep -v '^WARNING: Location' || true
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
