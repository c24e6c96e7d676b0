# The two commands of the quickstart. Each creates .venv when missing and
# reinstalls the package only when its metadata changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TRACR_VENV := benchmarks/.venv-tracr
TRACR_STAMP := $(TRACR_VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: demo test fuzz bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The example plug-in package is installed too: its pass and golden tests are
# part of `make test`.
$(STAMP): pyproject.toml examples/custom_pass/pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e examples/custom_pass
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/lit -sv filecheck examples/custom_pass/tests
	$(BIN)/python -m pytest

# Fuzzing campaigns beyond the fixed sample `make test` runs: random programs
# through every level (a new seed each run, printed for reproduction) and
# mutated IR through raspir-opt's parser, verifier and passes.
FUZZ_PROGRAMS ?= 2000
FUZZ_SEED ?= random
FUZZ_IR ?= 10000

fuzz: $(STAMP)
	$(BIN)/python -m raspir.testing.fuzz --programs $(FUZZ_PROGRAMS) --seed $(FUZZ_SEED) --examples
	$(BIN)/python -m raspir.testing.ir_fuzz --count $(FUZZ_IR)

# Side-by-side benchmarks against Tracr, which gets its own virtualenv.
$(TRACR_STAMP): benchmarks/tracr-requirements.txt
	$(PYTHON) -m venv $(TRACR_VENV)
	$(TRACR_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TRACR_VENV)/bin/python -m pip install --quiet -r benchmarks/tracr-requirements.txt
	touch $(TRACR_STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) $(TRACR_STAMP)
	$(BIN)/python benchmarks/bench.py

lint: $(STAMP)
	$(BIN)/ruff check raspir tests examples benchmarks

clean:
	rm -rf $(VENV) $(TRACR_VENV) build *.egg-info
