# make bench: install into .venv and run the default quick suite; make test: install and run the tests.
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(wildcard plugins/*)
STAMP := $(VENV)/.installed

# asv: the machine name keys results; BASE/HEAD are the commits asv-compare puts side by side.
ASV_MACHINE ?= $(shell hostname)
ASV_BENCH ?= .
BASE ?= HEAD~1
HEAD ?= HEAD

.PHONY: install bench test lint readme asv asv-compare clean

# torch from pip (it takes the CPU build on this disk); the rest with uv, which resolves and installs it in about
# 30 s where pip takes about 2.5 min (the same versions here).  uv reads none of pip's configuration (find-links,
# constraints, certificates), so where it cannot install, pip does.
PROJECT := -e ".[test]" $(addprefix -e ,$(PLUGINS))
$(STAMP): pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	($(BIN)/python -m pip install --quiet uv && $(BIN)/uv pip install --python $(BIN)/python --quiet $(PROJECT)) \
		|| $(BIN)/python -m pip install --quiet $(PROJECT)
	touch $@

install: $(STAMP)

bench: install
	$(BIN)/creditbench run

test: install
	$(BIN)/python -m pytest

# Style, as configured in pyproject.toml ([tool.ruff]): lint and formatting, checked on the whole tree.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Regenerate LEADERBOARD.md and the README's summary of it from fresh quick-, extended- and ladder-suite runs.
readme: install
	rm -f readme.sqlite
	$(BIN)/creditbench run --db readme.sqlite --no-report
	$(BIN)/creditbench run --suite extended --db readme.sqlite --no-report
	$(BIN)/creditbench run --suite ladder --db readme.sqlite --no-report
	$(BIN)/python scripts/update_readme.py readme.sqlite README.md

# Benchmark this commit in this environment (asv run exits 2 if any benchmark fails), publish the dashboard,
# check that it renders offline.
asv: install
	$(BIN)/asv machine --yes --machine $(ASV_MACHINE)
	$(BIN)/asv run --python=same --quick --show-stderr --machine $(ASV_MACHINE) \
		--bench '$(ASV_BENCH)' --set-commit-hash $$(git rev-parse HEAD)
	$(BIN)/asv publish
	$(BIN)/python scripts/asv_offline.py .asv/html
	$(BIN)/python scripts/render_page.py .asv/html index.html --screenshot .asv/dashboard.png \
		--expect Step.time_train_step --expect SmallBudget.track_test_score --expect HarnessOverhead.track_step_time_ratio

# Benchmark BASE and HEAD in fresh virtualenvs; fails if HEAD is slower by more than the factor.
asv-compare: install
	$(BIN)/asv machine --yes --machine $(ASV_MACHINE)
	$(BIN)/asv continuous --factor 1.5 --split --show-stderr --machine $(ASV_MACHINE) --bench '$(ASV_BENCH)' $(BASE) $(HEAD)

clean:
	rm -rf $(VENV) build *.egg-info .asv
