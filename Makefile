# dnacourse: `make lab` to study, `make test` to check everything. `make` alone (= `make help`) lists the
# targets: each target line below carries its one-line description after `##`, and `make help` prints them.
#
# Environment: .venv, built on first use with $(PYTHON) (torch $(TORCH) first, then this package with its
# dev tools); or, when a conda environment other than base is active, that environment as it is (its
# python and pip; create it with `mamba env create -f environment.yml`). CONDA_ENV= forces .venv.
# Setup, conda and a CPU-only torch: docs/setup.md.

PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
# Where that torch comes from: empty = pip's usual index (on Linux, PyPI's torch is a CUDA build with
# several GB of NVIDIA libraries); https://download.pytorch.org/whl/cpu gives a CPU-only build.
TORCH_INDEX ?=
MODE   ?= quick
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

# The active conda environment, unless it is base (CONDA_PREFIX and CONDA_DEFAULT_ENV are set by
# `conda activate`, `mamba activate` and `micromamba activate`).
CONDA_ENV ?= $(if $(CONDA_PREFIX),$(if $(filter base,$(CONDA_DEFAULT_ENV)),,$(CONDA_PREFIX)))
ifneq ($(strip $(CONDA_ENV)),)
BIN       := $(CONDA_ENV)/bin
INSTALLED := build/.installed-conda-$(notdir $(CONDA_ENV))
ENV_NAME  := the active conda environment $(CONDA_ENV)
else
BIN       := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ENV_NAME  := $(VENV) (created on first use with $(PYTHON))
endif

# Offline data: an explicit DNACOURSE_MIRROR wins; otherwise a mirror beside the checkout is used.
DEFAULT_MIRROR := $(abspath $(wildcard ../shared/data))
ifneq ($(DEFAULT_MIRROR),)
export DNACOURSE_MIRROR ?= $(DEFAULT_MIRROR)
endif

.DEFAULT_GOAL := help
.PHONY: help install lab test unit nbtest course notebooks student lint clean

help: ## list the targets and variables (also what plain `make` does)
	@echo "dnacourse: make lab to study, make test to check everything. Targets:"
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z][a-z_-]*:[^=]*## / {printf "  make %-10s %s\n", $$1, $$2}' $(firstword $(MAKEFILE_LIST))
	@echo "Variables (make VAR=value ...):"
	@echo "  MODE=quick|cpu|full  make course: the run mode (default quick)"
	@echo "  ONLY=01,10           make course: only these notebooks; COURSE_ARGS=--update-readme and more"
	@echo "  TORCH=...            the torch requirement installed first when the environment has none"
	@echo "                       (default $(TORCH))"
	@echo "  TORCH_INDEX=URL      where that torch comes from; https://download.pytorch.org/whl/cpu:"
	@echo "                       a CPU-only build, much smaller than PyPI's CUDA build on Linux (docs/setup.md)"
	@echo "  PYTHON=python3.12    the interpreter that creates .venv (Python >= 3.10)"
	@echo "  CONDA_ENV=           use .venv even when a conda environment is active"
	@echo "  LAB_ARGS=...         extra JupyterLab options, e.g. \"--no-browser --port 8890\""
	@echo "  DNACOURSE_MIRROR=DIR an offline copy of the data (../shared/data is used when present)"
	@echo "Environment used now: $(ENV_NAME)"

# Conda mode: the environment must have its own python (environment.yml gives it one).
$(BIN)/python:
ifneq ($(strip $(CONDA_ENV)),)
	@echo "no python in the active conda environment $(CONDA_ENV): run 'conda install python pip' in it," \
	  "or use .venv with 'make ... CONDA_ENV='" >&2; exit 1
else
	$(PYTHON) -m venv $(VENV)
endif

# Re-installs when pyproject.toml changes. torch goes first so that pip does not pull a large CUDA build
# on machines where a CPU build of $(TORCH) is what the package index offers; an environment that has
# torch already (a conda one, Colab) keeps it.
$(INSTALLED): $(BIN)/python pyproject.toml
	$(BIN)/python -c "import torch" 2>/dev/null || \
	  $(BIN)/python -m pip install "$(TORCH)" $(if $(TORCH_INDEX),--index-url "$(TORCH_INDEX)")
	$(BIN)/python -m pip install -e ".[dev]"
	@mkdir -p $(@D) && touch $@

install: $(INSTALLED) ## set up the environment: .venv (or the active conda env) with torch, this package, the dev tools

# Extra JupyterLab options, e.g. `make lab LAB_ARGS="--no-browser --port 8890"`; root (containers) needs --allow-root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: install ## open JupyterLab on notebooks/ (LAB_ARGS="--no-browser --port 8890" for options)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

test: unit nbtest ## everything: the unit tests, then every notebook in quick mode

unit: install ## unit tests and doctests (pytest --doctest-modules dnacourse tests, quick mode)
	DNACOURSE_QUICK=1 $(BIN)/pytest --doctest-modules dnacourse tests

nbtest: install ## every notebook in quick mode under nbval, which compares the checked outputs
	DNACOURSE_QUICK=1 $(BIN)/pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:randomly notebooks

# Every notebook (or ONLY=01,10) headless, each in a fresh kernel, via `python -m dnacourse reproduce`:
# executed copies and summary.md in build/course-$(MODE)/, results merged into
# build/course-quick/course-quick.json (quick) or results/course-$(MODE).json (cpu, full; committed).
# Extra options in COURSE_ARGS, e.g. COURSE_ARGS=--update-readme with MODE=full.
ifneq ($(filter course,$(MAKECMDGOALS)),)
ifeq ($(filter $(MODE),quick cpu full),)
$(error MODE must be quick, cpu or full, not '$(MODE)')
endif
endif
course: install ## run every notebook headless and collect the results: MODE=quick|cpu|full, ONLY=01,10
	$(BIN)/python -m dnacourse reproduce --$(MODE) $(if $(ONLY),--notebooks $(ONLY)) $(COURSE_ARGS)

notebooks: install ## maintainers: re-run the notebooks in quick mode and store the outputs nbval compares
	@for nb in $(NOTEBOOKS); do echo "== $$nb"; \
	  DNACOURSE_QUICK=1 $(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; done
	$(BIN)/python -m dnacourse.tools.notebooks clean $(NOTEBOOKS)

# Student edition (build/ is git-ignored). No committed cell is marked as a solution (tag `solution` or a
# first line `# SOLUTION`), so it is an outputs-cleared copy; it prints how many cells it removed. The
# reference solutions are public, in tests/solutions/: docs/instructors.md.
student: install ## instructors: outputs-cleared notebooks in build/student/ (solutions: tests/solutions/, docs/instructors.md)
	$(BIN)/python -m dnacourse student --out build/student --notebooks notebooks

lint: install ## ruff on dnacourse, tests and notebooks
	$(BIN)/ruff check dnacourse tests notebooks

clean: ## remove build/ and .pytest_cache (the environment stays)
	rm -rf build .pytest_cache
