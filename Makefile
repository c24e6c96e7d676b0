# The two commands of the quickstart. Each creates .venv when missing and
# reinstalls the package only when its metadata changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/lit -sv filecheck
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check raspir tests examples

clean:
	rm -rf $(VENV) build *.egg-info
