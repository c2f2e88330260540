# ossdesk — the two commands a newcomer needs: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test venv vendor migrate seed test-deps clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

vendor: venv
	$(BIN)/python scripts/fetch_vendor.py

migrate: venv
	$(BIN)/ossdesk db upgrade

seed: migrate
	$(BIN)/ossdesk seed-demo

## Start web app, job worker and OSS simulator with demo data (SQLite, no Redis).
run: vendor seed
	exec $(BIN)/ossdesk up

## Install what the tests need (system packages when root) and run every test,
## on TEST_WORKERS processes (0: in this process alone).
TEST_WORKERS ?= 2
test: vendor test-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

test-deps:
	@sh scripts/test-deps.sh

clean:
	rm -rf $(VENV) static/vendor .pytest_cache
