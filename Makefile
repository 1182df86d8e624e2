# Two set-up commands, both working on a fresh machine with Python >= 3.11:
#   make example   renders and applies the bundled example (examples/fleet)
#   make test      lint, type-check and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# The example's credentials are read from these variables (each credential's `env`
# override), so it runs on a machine with no keyring daemon. The values are fake.
EXAMPLE_SECRETS := \
	FLEET_ANTHROPIC_API_KEY=sk-ant-example-not-a-real-key \
	FLEET_RELEASE_OAUTH_TOKEN=example-oauth-token-not-real \
	FLEET_GITHUB_PAT=ghp_exampleNotARealToken \
	FLEET_SENTRY_TOKEN=example-sentry-token-not-real \
	FLEET_OPENAI_API_KEY=sk-example-not-a-real-key \
	FLEET_GEMINI_API_KEY=example-gemini-key-not-real

.PHONY: example test lint clean acceptance acceptance-latest

$(BIN)/agentctl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

example: $(BIN)/agentctl
	$(EXAMPLE_SECRETS) $(BIN)/agentctl -C examples/fleet apply --auto-approve
	$(EXAMPLE_SECRETS) $(BIN)/agentctl -C examples/fleet plan --detailed-exitcode

lint: $(BIN)/agentctl
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The documentation site builds offline into a scratch folder; --strict fails on a broken
# link, anchor or generated reference (docs/hooks/reference.py).
test: lint
	@site=$$(mktemp -d) && NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir "$$site"; \
	rc=$$?; rm -rf "$$site"; exit $$rc
	$(BIN)/pytest

# The acceptance suite alone: the runtimes' own CLIs at their pinned releases, or (-latest)
# at the newest release of each on npm, installed into a cache folder of their own.
acceptance: $(BIN)/agentctl
	$(BIN)/pytest -m acceptance

acceptance-latest: $(BIN)/agentctl
	AGENTCTL_ACCEPTANCE_LATEST=1 $(BIN)/pytest -m acceptance

clean:
	rm -rf $(VENV) examples/fleet/deploy examples/fleet/.agentctl
