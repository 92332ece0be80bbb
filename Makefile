# kzoo: the two commands.
#   make demo   train an embedding model on real data, evaluate, export to TFLite
#   make test   ruff (lint + format check), then the whole suite once per Keras
#               backend (tensorflow, jax, torch)
#   make lint   ruff check and ruff format --check only
# Both create .venv on first use and install into it; later runs install nothing
# unless pyproject.toml, setup.py or requirements/ changed.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.kzoo-installed
BACKENDS ?= tensorflow jax torch
PYTEST_ARGS ?=
# Two pytest workers: the machines have two cores.
XDIST ?= -n 2

# Every cache lives inside the repository's ignored .cache/ folder.
CACHE := $(CURDIR)/.cache
export XDG_CACHE_HOME := $(CACHE)
export MPLCONFIGDIR := $(CACHE)/matplotlib
export KERAS_HOME := $(CACHE)/keras
export KZOO_HOME := $(CACHE)/kzoo
export KAGGLEHUB_CACHE := $(CACHE)/kagglehub
export TORCHINDUCTOR_CACHE_DIR := $(CACHE)/torchinductor
export TRITON_CACHE_DIR := $(CACHE)/triton
export TF_CPP_MIN_LOG_LEVEL := 3
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

# pip prints this for every package missing from one of the local mirrors.
PIP_NOISE := is ignored: it is neither a file nor a directory

.PHONY: demo test lint install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml setup.py requirements/constraints.txt requirements/nodeps.txt
	$(PY) -m pip install -q -c requirements/constraints.txt \
		-e ".[tensorflow,jax,torch,export,apps,test]" 2>&1 | { grep -v "$(PIP_NOISE)" || true; }
	$(PY) -m pip install -q --no-deps -r requirements/nodeps.txt 2>&1 \
		| { grep -v "$(PIP_NOISE)" || true; }
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

# ruff is pinned in requirements/constraints.txt (installed by the test extra).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(STAMP) lint
	@mkdir -p $(CACHE); status=0; summary=""; \
	for b in $(BACKENDS); do \
		echo "=============== KERAS_BACKEND=$$b ==============="; \
		log=$(CACHE)/pytest-$$b.log; \
		KERAS_BACKEND=$$b $(PY) -m pytest $(XDIST) -q $(PYTEST_ARGS) 2>&1 | tee $$log; \
		rc=$${PIPESTATUS[0]}; \
		[ $$rc -eq 0 ] || status=1; \
		summary="$$summary\n  $$b: $$(grep -E '(passed|failed|error)' $$log | tail -n 1) (exit $$rc)"; \
	done; \
	echo "=============== summary ==============="; \
	echo -e "$$summary"; \
	exit $$status

clean:
	rm -rf $(VENV) $(CACHE) build *.egg-info
