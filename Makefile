# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW := ignore
export GX_ANALYTICS_ENABLED := false

.PHONY: demo test install clean bench

install: $(STAMP)

# The virtual environment is built from the committed lock file, then the project itself (editable,
# so sql/ and reports/ are read from the checkout).
$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "make: $(PYTHON) not found (Kinerja needs Python 3.11); set PYTHON=/path/to/python3.11"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kinerja demo

# PostgreSQL tests start their own throwaway server; tests/pg.py installs it with apt when missing.
# -v prints every test id, so the output shows the [sqlite] and [postgresql] variants passing.
test: $(STAMP)
	mkdir -p var/test-prefect
	PREFECT_HOME=$(CURDIR)/var/test-prefect $(BIN)/python -m pytest -p no:cacheprovider -v $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) var out
