# make serve: install into .venv and run the embedded service on :9311.
# make test:  install the test dependencies into .venv and run every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test lint genconfig genpolicy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python setup.cfg setup.py
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]' -e tests/test_ca
	touch $@

serve: $(VENV)/.installed
	$(BIN)/barbican-certs-api $(ARGS)

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check barbican_certs tests alembic

genconfig: $(VENV)/.installed
	$(BIN)/oslo-config-generator \
		--config-file etc/oslo-config-generator/barbican-certs.conf

genpolicy: $(VENV)/.installed
	$(BIN)/oslopolicy-sample-generator \
		--config-file etc/oslo-policy-generator/barbican-certs.conf

clean:
	rm -rf $(VENV) .venv-clients build *.egg-info .pytest_cache
