# dnacourse: `make lab` to study, `make test` to check everything. Both set up .venv first.
#
#   make lab                 create/update .venv, open JupyterLab on notebooks/
#   make test                unit tests, then every notebook in quick mode (nbval)
#   make course MODE=full    run every notebook headless, collect their results (MODE=quick is the default)
#   make notebooks           maintainers: re-run notebooks in quick mode and store the outputs nbval compares
#   make student             instructors: notebooks without outputs and solution cells, in build/student/
#
# Variables: PYTHON (interpreter that creates the venv), TORCH (torch requirement installed first, only
# when the venv has no torch yet), DNACOURSE_MIRROR (offline data mirror; ../shared/data is used when present).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
TORCH  ?= torch==2.13.0
MODE   ?= quick
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

# Offline data: an explicit DNACOURSE_MIRROR wins; otherwise a mirror beside the checkout is used.
DEFAULT_MIRROR := $(abspath $(wildcard ../shared/data))
ifneq ($(DEFAULT_MIRROR),)
export DNACOURSE_MIRROR ?= $(DEFAULT_MIRROR)
endif

.PHONY: install lab test unit nbtest course notebooks student lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs when pyproject.toml changes. torch goes first so that pip does not pull a large CUDA build
# on machines where a CPU build of $(TORCH) is what the package index offers.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install "$(TORCH)"
	$(BIN)/pip install -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# Extra JupyterLab options, e.g. `make lab LAB_ARGS="--no-browser --port 8890"`; root (containers) needs --allow-root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

test: unit nbtest

unit: install
	DNACOURSE_QUICK=1 $(BIN)/pytest --doctest-modules dnacourse tests

nbtest: install
	DNACOURSE_QUICK=1 $(BIN)/pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:randomly notebooks

# Every notebook (or ONLY=01,10) headless, each in a fresh kernel, via `python -m dnacourse reproduce`:
# executed copies and summary.md in build/course-$(MODE)/, results merged into
# build/course-quick/course-quick.json (quick) or results/course-full.json (full, committed).
# Extra options in COURSE_ARGS, e.g. COURSE_ARGS=--update-readme with MODE=full.
course: install
	$(BIN)/python -m dnacourse reproduce --$(MODE) $(if $(ONLY),--notebooks $(ONLY)) $(COURSE_ARGS)

notebooks: install
	@for nb in $(NOTEBOOKS); do echo "== $$nb"; \
	  DNACOURSE_QUICK=1 $(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; done
	$(BIN)/python -m dnacourse.tools.notebooks clean $(NOTEBOOKS)

# Student edition (build/ is git-ignored): outputs and execution counts cleared, cells tagged `solution`
# or starting with `# SOLUTION` removed. Reference solutions live in tests/solutions/, never in notebooks.
student: install
	$(BIN)/python -c "from dnacourse.tools.student import student_edition; student_edition('build/student', 'notebooks')"

lint: install
	$(BIN)/ruff check dnacourse tests notebooks

clean:
	rm -rf build .pytest_cache
