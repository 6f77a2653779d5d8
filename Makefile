# The front door: `make run` serves the site, `make test` runs the whole suite.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8000
# `make image`: podman if installed, else docker; BASE is the Dockerfile's base image.
ENGINE  ?= $(if $(shell command -v podman),podman,docker)
BASE    ?= python:3.11-slim
IMAGE   ?= glissando-site:latest

.PHONY: run test lint fmt bench audit tools image clean

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

# The wheels are fetched here, on the host, so the build reads no network. podman keeps
# the Docker format (OCI would drop the HEALTHCHECK) and builds without intermediate
# layers (on vfs storage each one is a full copy of the file system).
image: | $(BIN)/python
	rm -rf .build/wheels
	$(BIN)/pip download --quiet --no-deps --only-binary=:all: -d .build/wheels -r requirements.txt
	$(ENGINE) build --network none --build-arg BASE=$(BASE) -t $(IMAGE) \
		$(if $(filter podman,$(notdir $(ENGINE))),--format docker --layers=false) .

clean:
	rm -rf $(VENV) instance/static .build .pytest_cache .mypy_cache .ruff_cache test-artifacts
