# Two commands set everything up on a fresh machine: `make app` and `make test`.
# Both create .venv/ (python3 -m venv + pip) the first time and reuse it afterwards.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8866
# nbval and the unit tests run in parallel; override with `make test JOBS=1`.
JOBS   ?= auto
# Voila finds the offline "triage" template (share/jupyter/voila/templates/triage) here.
export JUPYTER_PATH := $(CURDIR)/share/jupyter
AXE    := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: install app present lab test lint browser-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Preheated kernels per app and the wait before a used one is replaced (voila.json: 2 and 1 s).
# A class that opens an app together: make app POOL=30 FILL_DELAY=20 (see benchmarks/RESULTS.md).
POOL ?=
FILL_DELAY ?=
POOL_ARGS = $(if $(POOL),--pool_size=$(POOL)) $(if $(FILL_DELAY),--VoilaKernelManager.fill_delay=$(FILL_DELAY))

install: $(STAMP) ## create .venv and install the project with its test tools

app: install ## serve the notebooks as Voila apps on http://127.0.0.1:8866 (config: voila.json; for a class: POOL=30 FILL_DELAY=20)
	@echo "Apps: http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(BIN)/voila --no-browser --Voila.ip=$(HOST) --port=$(PORT) $(POOL_ARGS) notebooks/

present: install ## instructor view on one case: make present CASE=hip-oa-grandfather
	@test -n "$(CASE)" || { echo "usage: make present CASE=<case id>  (ids: .venv/bin/python -m triage validate lists files)"; exit 2; }
	@$(BIN)/python -c "import sys; from triage.cases import load_cases; ids=[c.id for c in load_cases()]; \
		sys.exit(0 if '$(CASE)' in ids else 'unknown case $(CASE); valid ids: ' + ', '.join(ids))"
	@echo "Presenter: http://$(HOST):$(PORT)/  (opens in your browser; Ctrl+C to stop)"
	TRIAGE_CASE=$(CASE) $(BIN)/voila --Voila.ip=$(HOST) --port=$(PORT) notebooks/06_instructor.ipynb

lab: install ## open the notebooks in JupyterLab (students)
	$(BIN)/jupyter lab notebooks/

lint: install ## ruff over the package, tests and benchmarks
	$(BIN)/ruff check triage tests benchmarks

$(AXE): tests/browser/package.json
	cd tests/browser && npm install --no-audit --no-fund --silent
	touch $(AXE)

browser-deps: $(AXE) ## axe-core for the accessibility audits (Chromium: see DEVELOPERS.md)

test: install lint browser-deps ## every test: unit, property, exhaustive, CLI, notebooks, Voila, browser
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope tests notebooks --nbval-lax

bench: install browser-deps ## timings (not tests): writes benchmarks/results.json and benchmarks/RESULTS.md
	cd benchmarks && ../$(BIN)/python bench_engine.py
	cd benchmarks && ../$(BIN)/python bench_apps.py --runs 5 --sessions 10,20,30
	cd benchmarks && ../$(BIN)/python bench_apps.py --class-pool 30 --fill-delay 20 --sessions 10,20,30
	cd benchmarks && ../$(BIN)/python bench_suite.py
	cd benchmarks && ../$(BIN)/python bench_store.py
	cd benchmarks && ../$(BIN)/python report.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
