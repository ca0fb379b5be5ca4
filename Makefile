# The two commands of README.md: `make run` and `make test`. Everything else is a helper.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean chromium

TEST_STAMP := $(VENV)/.installed-test

# A node needs only the package; the tests add their tools (pytest, playwright, ruff, mypy).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

install: $(STAMP)

## Run a node on http://127.0.0.1:8080 with SQLite (first run creates config, database, admin).
run: $(STAMP)
	$(BIN)/compagnon serve --init-if-missing

## Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## Lint, type-check and run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set).
test: $(TEST_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## Benchmarks (bench/README.md): `make bench`, `make bench SCENARIO=inbox`, `make bench QUICK=1`.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): bench/requirements.txt $(TEST_STAMP)
	$(BIN)/pip install --quiet -r bench/requirements.txt
	touch $(BENCH_STAMP)

.PHONY: bench
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --scenario $(or $(SCENARIO),all) $(if $(QUICK),--quick) $(BENCH_ARGS)
