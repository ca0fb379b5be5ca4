# The two commands of README.md: `make run` and `make test`. Everything else is a helper.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean chromium i18n i18n-extract

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

## Lint, check the formatting, type-check and run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set).
test: $(TEST_STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
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

## Translations (docs/translating.md): `make i18n` extracts the messages of the code and
## templates into the template (compagnon.pot), merges it into each language's catalogue (.po)
## and compiles each one to check it (into a scratch directory: the node reads the .po files
## themselves, compiled when first used; ARCHITECTURE.md says why).
LOCALE := compagnon/locale
PYBABEL := $(BIN)/pybabel
i18n-extract: $(STAMP)
	$(PYBABEL) extract -F babel.cfg -k _ -k ngettext:1,2 --no-wrap --project=Compagnon \
	  --copyright-holder="Compagnon contributors" -o $(LOCALE)/compagnon.pot .

i18n: i18n-extract
	$(PYBABEL) update -i $(LOCALE)/compagnon.pot -d $(LOCALE) -D compagnon --no-wrap
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	for po in $(LOCALE)/*/LC_MESSAGES/compagnon.po; do \
	  lang=$$(basename $$(dirname $$(dirname $$po))); \
	  $(PYBABEL) compile --statistics -l $$lang -i $$po -o "$$scratch/$$lang.mo" || exit 1; \
	done
