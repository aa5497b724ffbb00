# `make test` is the one command that sets up a fresh machine and runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test test-large demo install clean

$(STAMP): requirements.txt requirements-test.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-test.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q --durations=15 tests

demo: $(STAMP)
	$(VENV)/bin/o2v demo

test-large: $(STAMP)
	$(PY) -m pytest -q --run_large tests

clean:
	rm -rf $(VENV) build *.egg-info
