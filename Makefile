# The front door: `make run` serves the site, `make test` runs the whole suite.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8000

.PHONY: run test lint fmt bench audit tools clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	PORT=$(PORT) $(BIN)/python -m site_app.devmail

tools: $(VENV)/.dev
	bash scripts/ensure-tools.sh

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint tools
	$(BIN)/pytest

bench: tools
	$(BIN)/python -m bench

audit: $(VENV)/.dev
	WITH_LIGHTHOUSE=1 bash scripts/ensure-tools.sh
	bash scripts/audit.sh

clean:
	rm -rf $(VENV) instance/static .pytest_cache .mypy_cache .ruff_cache test-artifacts
