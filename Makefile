# The front door: `make run` serves the site, `make test` runs the whole suite.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8000
# `make image`: podman if installed, else docker; BASE is the Dockerfile's base image.
ENGINE  ?= $(if $(shell command -v podman),podman,docker)
BASE    ?= python:3.11-slim
IMAGE   ?= glissando-site:latest

# `make lock UPGRADE="flask werkzeug"` moves just those packages to their newest allowed
# release; `make lock UPGRADE=all` moves every package.
UPGRADE ?=

.PHONY: run test lint fmt bench fit audit tools image lock clean

# Every install reads one lock file in pip's hash-checking mode: a file on the index that
# differs from the one locked fails with pip's own error. No unhashed `pip install --upgrade
# pip` either: the dev lock carries pip itself.
$(BIN)/python:
	$(PY) -m venv $(VENV)

# requirements-data.txt holds packages whose files the site reads but whose code it never
# imports: installed after the lock, each without its requirements (--no-deps), still hash-checked.
$(VENV)/.runtime: requirements.txt requirements-data.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-data.txt
	touch $@

# The dev lock is complete on its own: it holds the data packages and what they require.
$(VENV)/.dev: requirements.txt requirements-data.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
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

# Retrain triage's wording model from its TRAINED_ON parts (site_app/triage/training.py) and
# rebuild its disposable domains from the installed package (disposable.py), then refit the
# Chatbot's re-ranker and doubt after the guide, its phrasings or the engine change: every
# question part but the never-tuned ones (the suite checks all three were done).
fit: $(VENV)/.dev
	$(BIN)/python -m site_app.triage.training
	$(BIN)/python -c "from site_app.triage.disposable import main; main()"
	$(BIN)/python -m site_app.assistant.fit tests/data/assistant_questions.toml --leave-out \
		$$($(BIN)/python -c "from tests.assistant_quality import NEVER_TUNED; print(*NEVER_TUNED)")

audit: $(VENV)/.dev
	WITH_LIGHTHOUSE=1 bash scripts/ensure-tools.sh
	bash scripts/audit.sh

# The wheels are fetched here, on the host, so the build reads no network. podman keeps
# the Docker format (OCI would drop the HEALTHCHECK) and builds without intermediate
# layers (on vfs storage each one is a full copy of the file system).
image: | $(BIN)/python
	rm -rf .build/wheels
	$(BIN)/pip download --quiet --require-hashes --no-deps --only-binary=:all: \
		-d .build/wheels -r requirements.txt
	$(BIN)/pip download --quiet --require-hashes --no-deps --only-binary=:all: \
		-d .build/wheels -r requirements-data.txt
	$(ENGINE) build --network none --build-arg BASE=$(BASE) -t $(IMAGE) \
		$(if $(filter podman,$(notdir $(ENGINE))),--format docker --layers=false) .

# requirements*.txt from the short requirements*.in (pip-tools, itself from the dev lock):
# existing pins are kept unless UPGRADE names them (UPGRADE=all: every package); the dev
# lock is the runtime lock (-c) plus the test tools and the data packages, a complete lock
# on its own. requirements-data.txt is the data packages' entries copied from the dev lock,
# since pip-compile cannot lock a package without its requirements. Resolved against the
# index alone: this machine's pip.conf, wheel folders and extra indexes take no part, so no
# file that only exists here gets into a lock CI must install.
LOCK := env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	$(if $(filter all,$(UPGRADE)),--upgrade,$(foreach p,$(UPGRADE),--upgrade-package $(p)))

# The npm tools' locks, tools/*/package-lock.json, from each package.json: versions already
# locked stay unless package.json moved them; npm's registry alone (not your ~/.npmrc);
# only the lock is written, no node_modules, no package's script run.
NPM_LOCK := npm install --package-lock-only --ignore-scripts --no-audit --no-fund \
	--userconfig /dev/null --registry https://registry.npmjs.org/

lock: $(VENV)/.dev
	$(LOCK) --output-file requirements.txt requirements.in
	$(LOCK) --output-file requirements-dev.txt requirements-dev.in
	cd tools/vnu && $(NPM_LOCK)
	cd tools/lighthouse && $(NPM_LOCK)
	$(BIN)/python scripts/lock_data.py requirements-data.in requirements-dev.txt requirements-data.txt

clean:
	rm -rf $(VENV) instance/static .build .pytest_cache .mypy_cache .ruff_cache test-artifacts
