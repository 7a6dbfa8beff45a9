# Yiwang (一网通办). `make run` sets up everything and starts the demo; `make test` sets up and runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON311 ?= $(shell command -v python3.11 2>/dev/null)
VENV      := .venv
PY        := $(VENV)/bin/python
FLASK     := $(VENV)/bin/flask --app api
HOST      ?= 127.0.0.1
PORT      ?= 8000
PYTEST_ARGS ?=

.PHONY: help install migrate seed run test lint bench clean

help:
	@echo "make run      set up, migrate, seed the demo and start everything on http://$(HOST):$(PORT)"
	@echo "make test     set up and run ruff and the whole test suite"
	@echo "make install  only set up the virtual environments (idempotent)"
	@echo "make bench    run the benchmarks (figures go to docs/benchmarks.md)"

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON311)" ]; then echo "Python 3.11 is required (python3.11 not found on PATH)."; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON311) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: seed
	@HOST=$(HOST) PORT=$(PORT) scripts/run.sh

lint: install
	$(VENV)/bin/ruff check .

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
