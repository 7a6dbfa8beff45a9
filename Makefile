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
BOT_VENV  := bot/.venv
# The demo runs as development, with a random secret made on first run (any other APP_ENV needs real secrets).
export APP_ENV ?= development
SECRET    := instance/secret_key

.PHONY: help install bot-install migrate seed run test test-bot lint bench clean

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

$(BOT_VENV)/.installed: bot/requirements.txt
	@python310=$$(scripts/find-python310.sh) && { [ -x $(BOT_VENV)/bin/python ] || $$python310 -m venv $(BOT_VENV); }
	$(BOT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BOT_VENV)/bin/python -m pip install --quiet -r bot/requirements.txt
	@touch $@

install: $(VENV)/.installed $(BOT_VENV)/.installed

bot-install: $(BOT_VENV)/.installed

$(SECRET):
	@mkdir -p instance && umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(48))' > $@

migrate: install $(SECRET)
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: seed bot-install
	@model=$$(scripts/train-bot.sh config.yml) && HOST=$(HOST) PORT=$(PORT) scripts/run.sh "$$model"

lint: install
	$(VENV)/bin/ruff check .

test: install lint test-bot
	$(PY) -m pytest $(PYTEST_ARGS)

test-bot: bot-install
	cd bot && RASA_TELEMETRY_ENABLED=false .venv/bin/python scripts/gen_catalogue_data.py --check
	cd bot && .venv/bin/ruff check .
	cd bot && RASA_TELEMETRY_ENABLED=false .venv/bin/rasa data validate --domain domain --data data --fail-on-warnings
	cd bot && .venv/bin/python -m pytest -q
	@model=$$(scripts/train-bot.sh config.test.yml) && cd bot && RASA_TELEMETRY_ENABLED=false \
	  .venv/bin/rasa test core --stories tests/test_stories.yml --model "$$model" --fail-on-prediction-errors \
	  --out ../instance/bot-test-results

bench: install
	$(PY) -m bench.api_bench
	$(PY) -m bench.scale_bench
	$(PY) -m bench.search_bench
	$(PY) -m bench.search_quality
	$(PY) -m bench.notify_bench
	$(PY) -m bench.chat_bench

clean:
	rm -rf $(VENV) $(BOT_VENV) bot/models instance .pytest_cache .ruff_cache
