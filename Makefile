# make bench: install into .venv and run the default quick suite; make test: install and run the tests.
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(wildcard plugins/*)
STAMP := $(VENV)/.installed

.PHONY: install bench test readme clean

$(STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[test]" $(addprefix -e ,$(PLUGINS))
	touch $@

install: $(STAMP)

bench: install
	$(BIN)/creditbench run

test: install
	$(BIN)/python -m pytest

# Regenerate the README's leaderboard from a fresh quick-suite run.
readme: install
	rm -f readme.sqlite
	$(BIN)/creditbench run --db readme.sqlite --no-report
	$(BIN)/python scripts/update_readme.py readme.sqlite README.md

clean:
	rm -rf $(VENV) build *.egg-info
