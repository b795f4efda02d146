# Two commands set everything up on a fresh machine: `make app` and `make test`.
# Both create .venv/ (python3 -m venv + pip) the first time and reuse it afterwards. The Debian packages
# a target needs (.ci/system-packages) are installed first when make runs as root or with sudo that
# needs no password; otherwise make stops at once and prints the one command to run.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HUB_STAMP := $(VENV)/.hub-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8866
# Tests run in parallel, one module per worker. `make check` (CPU only): a worker per core. `make test`: one
# more, since its browser and server tests also wait on servers, kernels and Chromium, and the extra worker
# fills that time. Override with `make test JOBS=1`.
CORES  := $(shell nproc 2>/dev/null || echo 1)
JOBS   ?= $(shell echo $$(( $(CORES) + 1 )))
CHECK_JOBS ?= auto
# Voila finds the offline "triage" template (share/jupyter/voila/templates/triage) here.
export JUPYTER_PATH := $(CURDIR)/share/jupyter
AXE    := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: install app key present lab notebook export export-deps test check lint browser-deps bench clean static hub hub-deps hub-prestart hub-accounts \
	hub-backup system-packages

# The groups of .ci/system-packages the goals on the command line need (every group includes python3-venv
# and make); checked before anything else is built, so a missing package stops make at once.
PACKAGES_test := test
PACKAGES_check := check
PACKAGES_bench := test
PACKAGES_browser-deps := test
PACKAGES_handouts := handouts
PACKAGES_static := static
PACKAGES_export := static
PACKAGES_export-deps := static
PACKAGES_hub := hub
PACKAGES_hub-deps := hub
PACKAGES_hub-accounts := hub
PACKAGES_hub-prestart := hub
PACKAGES_hub-backup := hub
PACKAGE_GROUPS = $(or $(sort $(foreach goal,$(MAKECMDGOALS),$(PACKAGES_$(goal)))),app)

system-packages: ## install the Debian packages the goals need (.ci/system-packages), or say how to
	@PYTHON=$(PYTHON) bash .ci/ensure-system-packages $(PACKAGE_GROUPS)
	@$(if $(filter test hub,$(PACKAGE_GROUPS)),bash .ci/check-checkout-readable $(firstword $(filter test hub,$(MAKECMDGOALS)) test))

$(STAMP): pyproject.toml | system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[serve,handouts,test]'
	touch $(STAMP)

# Preheated kernels per app and the wait before a used one is replaced (voila.json: 2 and 1 s).
# A class that opens an app together: make app POOL=30 FILL_DELAY=20 (see benchmarks/RESULTS.md).
# CLASS=code: students must type this class code on the home page. MAX_KERNELS=n: ceiling on live
# kernels (default: from the machine's memory). The instructor key comes from TRIAGE_INSTRUCTOR_KEY
# or is made at start and kept in the class's folder; the server says where, and prints the key itself only
# with SHOW_KEY=1 (its terminal may be on the projector): make key prints it.
POOL ?=
FILL_DELAY ?=
CLASS ?=
MAX_KERNELS ?=
SHOW_KEY ?=
POOL_ARGS = $(if $(POOL),--pool_size=$(POOL)) $(if $(FILL_DELAY),--VoilaKernelManager.fill_delay=$(FILL_DELAY))
SERVE_ARGS = $(POOL_ARGS) $(if $(CLASS),--class_code=$(CLASS)) $(if $(MAX_KERNELS),--max_kernels=$(MAX_KERNELS)) \
	$(if $(SHOW_KEY),--show-key)

install: $(STAMP) ## create .venv and install the project with its test tools

# HOST=0.0.0.0 lets phones and laptops on the room's network join (the server prints the classroom address and a
# QR code; the presenter shows them); PORT picks the port (a busy port is an error, never silently another one).
app: install ## serve the apps for a class on http://127.0.0.1:8866 (HOST=0.0.0.0 for phones, PORT=8866, POOL=30 FILL_DELAY=20 CLASS=code)
	$(BIN)/python -m triage serve --no-browser --Voila.ip=$(HOST) --port=$(PORT) $(SERVE_ARGS) notebooks/

key: install ## print the instructor key of the class make app serves (keep it off the projector)
	@$(BIN)/python -m triage class key

present: install ## instructor view on one case: make present CASE=hip-oa-grandfather
	@test -n "$(CASE)" || { echo "usage: make present CASE=<case id>  (ids: .venv/bin/python -m triage validate lists files)"; exit 2; }
	@$(BIN)/python -c "import sys; from triage.content.cases import load_cases; ids=[c.id for c in load_cases()]; \
		sys.exit(0 if '$(CASE)' in ids else 'unknown case $(CASE); valid ids: ' + ', '.join(ids))"
	TRIAGE_CASE=$(CASE) $(BIN)/python -m triage serve --Voila.ip=$(HOST) --port=$(PORT) $(SERVE_ARGS) notebooks/06_instructor.ipynb

# The student apps as a static, offline site (Pyodide in the browser, no server): build/static/.
# Rebuilt only when an input changed (FORCE=1 rebuilds); downloads are cached in ~/.cache/triage-static
# (TRIAGE_STATIC_CACHE). Serve the folder with any static web server on localhost or HTTPS.
static: install ## build the static site in build/static (student apps + JupyterLite lab, all in the browser)
	$(BIN)/python -m tools.static_site $(if $(FORCE),--force)
	@echo "Try it: $(BIN)/python -m http.server --bind 127.0.0.1 --directory build/static 8000  ->  http://127.0.0.1:8000/"

# STUDENT="Your Name": answer under that name rather than this computer's user name (a shared account).
ifdef STUDENT
lab notebook: export TRIAGE_STUDENT := $(STUDENT)
endif

# Jupyter refuses to start as root without --allow-root (a course VM or a container often runs as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: install ## open the notebooks in JupyterLab (students; STUDENT="Your Name" to answer under a name)
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/

notebook: install ## open the notebooks in Notebook 7 (students; STUDENT="Your Name" as for make lab)
	$(BIN)/jupyter notebook $(ALLOW_ROOT) notebooks/

# A notebook with its apps as an HTML page that needs no network (build/export/<name>.html, with the widget
# manager beside it in build/export/static/): make export NB=notebooks/04_triage_explorer.ipynb
EXPORT := export# (a target named by a variable: a line starting with "export" is make's own directive)
$(EXPORT): install ## a notebook with its apps as HTML that works offline, in build/export/ (NB=notebooks/04_triage_explorer.ipynb)
	@test -n "$(NB)" || { echo "usage: make export NB=notebooks/04_triage_explorer.ipynb"; exit 2; }
	$(BIN)/python tools/export_notebook.py $(NB)

export-deps: install ## the widget manager make export puts beside its pages (npm pack, once, cached)
	$(BIN)/python tools/export_notebook.py --fetch-only

lint: install ## ruff over the whole checkout (package, tests, benchmarks, deploy, notebooks)
	$(BIN)/ruff check .

$(AXE): tests/browser/package.json | system-packages
	cd tests/browser && npm install --no-audit --no-fund --silent
	touch $(AXE)

browser-deps: $(AXE) ## axe-core for the accessibility audits (Chromium: see DEVELOPERS.md)

# The fast tier for the edit-test loop: tests/unit (unit, property, CLI and widget-app tests; no server,
# browser or database server), meant to stay under a minute on 2 cores.

check: system-packages install $(HUB_STAMP) lint ## the fast tier (unit, property, CLI, widget apps; no browser or server): < 1 min
	$(BIN)/python -m pytest -n $(CHECK_JOBS) -q tests/unit

test: system-packages install lint browser-deps hub-deps export-deps ## every test: unit, property, exhaustive, CLI, notebooks, Voila, browser
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --no-loadscope-reorder tests notebooks --nbval-lax

bench: install browser-deps hub-deps ## timings (not tests): writes benchmarks/results.json and benchmarks/RESULTS.md
	cd benchmarks && ../$(BIN)/python bench_engine.py
	cd benchmarks && ../$(BIN)/python bench_apps.py --runs 5 --sessions 10,20,30
	cd benchmarks && ../$(BIN)/python bench_apps.py --class-pool 30 --fill-delay 20 --sessions 10,20,30
	cd benchmarks && ../$(BIN)/python bench_suite.py
	cd benchmarks && ../$(BIN)/python bench_handouts.py
	cd benchmarks && ../$(BIN)/python bench_fragments.py
	cd benchmarks && ../$(BIN)/python bench_store.py
	cd benchmarks && ../$(BIN)/python bench_poll.py --rounds 3
	cd benchmarks && ../$(BIN)/python bench_live_class.py --students 30 --browsers 2 --outage 10
	cd benchmarks && ../$(BIN)/python bench_static.py --runs 5
	cd benchmarks && ../$(BIN)/python bench_hub.py --students 10,20,30 --modes warm,prestarted,cold
	cd benchmarks && ../$(BIN)/python bench_hub.py --students 30 --modes warm --nginx off --append
	cd benchmarks && ../$(BIN)/python bench_layout.py --runs 5
	cd benchmarks && ../$(BIN)/python report.py

# The documentation site (docs/, Sphinx + MyST; the lessons from notebooks/): build/docs/html/index.html.
# Built afresh each time, warnings as errors, links checked; tests/integration/test_docs.py builds it
# offline as part of make test.
DOCS_STAMP := $(VENV)/.docs-stamp

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[serve,docs]'
	touch $(DOCS_STAMP)

.PHONY: docs docs-deps
docs-deps: $(DOCS_STAMP) ## Sphinx, MyST and the theme (the [docs] extra)

docs: docs-deps ## the documentation site in build/docs/html (warnings are errors)
	$(BIN)/python -m tools.docs

# make test builds the documentation too (tests/integration/test_docs.py)
test: docs-deps

# Printable handouts (student sheets, instructor keys, reference card) in handouts/, HTML and PDF.
# make handouts [CASE=<case id>] [PAPER=a4|letter] [STAGE_PAGES=1]; PDFs are printed by Debian's chromium.
# STAGE_PAGES=1 starts every stage of a student sheet on a new page (hand the stages out one at a time).
PAPER ?= a4
STAGE_PAGES ?=
.PHONY: handouts
handouts: install ## printable case sheets, answer keys and a reference card in handouts/ (CASE=id, PAPER=a4|letter, STAGE_PAGES=1)
	$(BIN)/python -m triage handouts --paper $(PAPER) $(if $(CASE),--case $(CASE)) $(if $(filter-out 0,$(STAGE_PAGES)),--stage-pages)

# --- JupyterHub for a class on one machine (docs/admin/jupyterhub.md); run as root so that each student's
# server runs as their own user id. Accounts: make hub-accounts ROSTER=names.csv. Every hub target finds the
# running hub through HUB_STATE alone (the hub writes its API address there), so only HUB_STATE must match.
# NGINX=0: no nginx in front (default: Debian's nginx when installed). CODE=instructors|everyone: JupyterLab.
HUB_STATE   ?= $(CURDIR)/.hub
HUB_PORT    ?= 8000
HUB_PREHEAT ?= 04_triage_explorer.ipynb
NGINX       ?= 1
CODE        ?= none
CHP         := deploy/node_modules/.bin/configurable-http-proxy
HUB_ENV      = TRIAGE_HUB_STATE=$(HUB_STATE) TRIAGE_HUB_PORT=$(HUB_PORT) TRIAGE_HUB_PREHEAT=$(HUB_PREHEAT) \
               TRIAGE_HUB_NGINX=$(NGINX) TRIAGE_HUB_CODE=$(CODE)

$(HUB_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,hub]'
	touch $(HUB_STAMP)

$(CHP): deploy/package.json deploy/package-lock.json | system-packages
	cd deploy && npm ci --no-audit --no-fund --silent
	touch $(CHP)

hub-deps: $(HUB_STAMP) $(CHP) ## JupyterHub ([hub] extra) and the pinned configurable-http-proxy (npm, deploy/)

# Once the hub answers on its public address, `address --wait` prints it (JupyterHub's own last line names
# the proxy's internal port); it stops waiting if the hub (the shell's pid, kept by exec) ends first.
hub: hub-deps ## JupyterHub for a class on http://127.0.0.1:8000 behind nginx (state in .hub/; HUB_PORT=, NGINX=0)
	@test -s $(HUB_STATE)/accounts.json || echo "No accounts yet: make hub-accounts ROSTER=names.csv (one name per line)"
	@command -v nginx >/dev/null || test "$(NGINX)" = 0 || echo "nginx not installed (apt-get install nginx): starting without it"
	$(HUB_ENV) $(BIN)/python -m triage.hubservice address --wait --while-pid $$$$ & \
	$(HUB_ENV) exec $(BIN)/jupyterhub -f deploy/jupyterhub_config.py

hub-accounts: hub-deps ## create or update accounts from ROSTER (name[,role] per line); prints new passwords once
	@test -n "$(ROSTER)" || { echo "usage: make hub-accounts ROSTER=names.csv"; exit 2; }
	@$(HUB_ENV) $(BIN)/python -m triage.hubservice accounts import $(ROSTER)

hub-prestart: hub-deps ## start every student's server before class (while make hub runs; HUB_STATE is enough)
	$(HUB_ENV) $(BIN)/python -m triage.hubservice prestart

hub-backup: hub-deps ## copy the class list and databases into .hub-backups/<date> (safe while the hub runs)
	$(HUB_ENV) $(BIN)/python -m triage.hubservice backup $(CURDIR)/.hub-backups/$$(date +%Y%m%d-%H%M%S)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
