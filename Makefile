# The two commands a newcomer needs: `make run` and `make test`. Everything else is a detail.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test lint typecheck unit deploy-check schema bench bench-smoke bench-routing bench-routing-smoke bench-console console-screenshot chaos fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench,broker,whatif]'
	touch $(STAMP)

## install: create .venv (if missing) and install the service with its dev tools
install: $(STAMP)

## run: embedded Kafka broker + service + demo CAD feed on http://127.0.0.1:8000
run: install
	$(BIN)/corespond serve --embedded-broker --demo --dev-tokens

## test: lint, type-check, then the whole test suite (real broker, real servers)
test: install lint typecheck unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest

## deploy-check: validate deploy/ offline (no container daemon, no cluster): yamllint, hadolint,
## the compose-spec schema, kubernetes-validate --strict (CRDs: warned; tests/deploy checks them)
deploy-check: install
	$(BIN)/yamllint --strict deploy
	$(BIN)/hadolint deploy/Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml
	$(BIN)/kubernetes-validate --strict deploy/k8s/*.yaml
	$(BIN)/pytest -q tests/deploy

## bench: the full end-to-end benchmark suite (~10 min): report in benchmarks/results/e2e.md
bench: install
	$(BIN)/python -m benchmarks

## bench-smoke: the same suite for a few seconds per phase (CI); fails if the service decides nothing
bench-smoke: install
	$(BIN)/python -m benchmarks --smoke

## schema: write the contract's JSON Schemas to schemas/json/
schema: install
	$(BIN)/corespond schema --out schemas/json

## bench-routing: assignment benchmark (solve times, gap to optimum, vs greedy) -> benchmarks/results/
bench-routing: install
	$(BIN)/python -m benchmarks.routing_bench

bench-routing-smoke: install
	$(BIN)/python -m benchmarks.routing_bench --smoke

## bench-console: the console in chromium, 500 open calls, 50 events/s for 10 min (~12 min): benchmarks/results/console.md
bench-console: install
	$(BIN)/python -m benchmarks.console_bench

## console-screenshot: run the console's screenshot test and write docs/console.png (the README's picture)
console-screenshot: install
	$(BIN)/pytest tests/console/test_accessibility.py -q --console-screenshot docs/console.png

## chaos: kill -9 the service 20 times under 500 events/s, then check the history (benchmarks/results/chaos.json)
chaos: install
	$(BIN)/python -m benchmarks.chaos --kills 20 --rate 500 --seconds 300

## fuzz: ~10,000 schemathesis cases against the API from its OpenAPI spec
fuzz: install
	$(BIN)/python -m benchmarks.fuzz --examples 1000

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
