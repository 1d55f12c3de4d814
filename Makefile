# One-command entry points. `make run` and `make test` set everything up themselves on a fresh
# Debian machine with Python 3.11 (system packages, virtualenv, database, services).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint bench load-test system-deps venv migrate services clean

system-deps:
	bash scripts/install_system_deps.sh

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

run: export MOODIFY_SYSTEM_PACKAGES = ffmpeg libsndfile1
run: system-deps venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap_moodify
	PORT=$(PORT) $(PY) manage.py run_moodify

services: system-deps
	bash scripts/services.sh start

# The suite talks to the private PostgreSQL + Redis that services.sh starts (its `env` lines
# carry their URLs); integration tests spawn real Celery worker and Daphne processes on them.
test: system-deps venv
	env $$(bash scripts/services.sh start) $(PY) -m pytest $(PYTEST_ARGS)

# ruff's rules and mypy's settings: pyproject.toml. mypy reads the ml library, research/ and the service layer.
SERVICE_LAYER := $(wildcard */services.py */selectors.py)
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy ml research $(SERVICE_LAYER)

bench: system-deps venv
	env $$(bash scripts/services.sh start) $(PY) benchmarks/run_all.py

# 50 people for 60 s against the production stack (Locust; benchmarks/requirements.txt).
load-test: system-deps venv
	$(PY) -m pip install -q -r benchmarks/requirements.txt
	env $$(bash scripts/services.sh start) $(PY) benchmarks/load_test.py $(LOAD_ARGS)

clean:
	bash scripts/services.sh stop
