# sdgen: `make demo` runs the main job with the embedded local model; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup venv image demo test lint format bench clean

setup: venv image

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Offline: Debian packages + pinned wheels, no registry. A no-op in seconds when nothing changed.
image: venv
	$(BIN)/sdgen image build

demo: setup
	$(BIN)/python bench/demo_exec.py

test: setup
	$(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check codegen sandbox tests bench
	$(BIN)/black --check codegen sandbox tests bench

format: venv
	$(BIN)/ruff check --fix codegen sandbox tests bench
	$(BIN)/black codegen sandbox tests bench

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
