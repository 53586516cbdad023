# `make demo` and `make test` work from a fresh clone: they create .venv and install everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= out/demo

.PHONY: demo test bench clean system-deps

$(STAMP): pyproject.toml scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	bash scripts/system-deps.sh

demo: $(STAMP)
	$(BIN)/nemo-song make nemo_widgets/data/lyrics/summer.txt \
		--prompt "an upbeat pop song with vocals" --keep $(DEMO_DIR) -o $(DEMO_DIR)/song.mp4

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) out .pytest_cache
