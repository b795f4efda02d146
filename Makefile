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

.PHONY: install app lab test lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its test tools

app: install ## serve the notebooks as Voila apps on http://127.0.0.1:8866
	$(BIN)/voila --no-browser --Voila.ip=$(HOST) --port=$(PORT) notebooks/

lab: install ## open the notebooks in JupyterLab (students)
	$(BIN)/jupyter lab notebooks/

lint: install ## ruff over the package, tests and benchmarks
	$(BIN)/ruff check triage tests

test: install lint ## every test: unit, property, exhaustive, CLI, notebooks
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope tests notebooks --nbval-lax

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
