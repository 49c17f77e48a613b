# Every target runs in .venv, created and synced from uv.lock on first use.
# The two commands of the README are `make up` and `make test` spelled out.
VENV := .venv
UV := $(VENV)/bin/uv
BOOTSTRAP := python3 -m venv $(VENV) && $(VENV)/bin/pip install -q uv==0.13.9

.PHONY: up test bench contracts check format lock clean

up: ## install and run the whole system on embedded defaults (Ctrl-C stops it)
	$(BOOTSTRAP) && $(UV) run --frozen kakehashi up

test: ## install and run the whole test suite (what .ci/run runs)
	$(BOOTSTRAP) && $(UV) run --frozen pytest

bench: ## run the benchmarks (not part of the tests); results in docs/bench/
	$(BOOTSTRAP) && $(UV) run --frozen python -m tests.bench $(NAMES)

contracts: ## regenerate docs/contracts/ (AsyncAPI, JSON Schemas, examples, HTML); refuses breaking changes
	$(BOOTSTRAP) && $(UV) run --frozen python -m shared.apidoc

check: ## static checks only: ruff, mypy --strict, import-linter (also part of `make test`)
	$(BOOTSTRAP) && $(UV) run --frozen ruff check . && $(UV) run --frozen ruff format --check . \
		&& $(UV) run --frozen mypy && $(UV) run --frozen lint-imports

format: ## apply ruff's formatting and fixes
	$(UV) run --frozen ruff format . && $(UV) run --frozen ruff check --fix .

lock: ## re-resolve uv.lock after changing dependencies in pyproject.toml
	$(UV) lock

clean: ## remove the virtual environment, caches and local run data (var/)
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache tests/asyncapi/node_modules
