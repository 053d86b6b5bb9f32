# The two commands of the README.  Both set up everything they need on a fresh machine.
#   make demo  - the main job on the embedded store: ingest samples, run queries, write HTML
#   make test  - the full test suite (installs Chromium; provisions Neo4j from Maven Central)
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: demo test setup clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	-$(PY) -m pip install -q neo4j-rust-ext
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(VENV)/bin/kg demo --store kg-data --out out

test: setup
	./scripts/install-chromium
	KG_REQUIRE_BROWSER=1 KG_REQUIRE_NEO4J=1 $(PY) -m pytest -q

clean:
	rm -rf kg-data out .pytest_cache
