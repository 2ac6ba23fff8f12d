# Hotline 12345 — the two commands are `make run` and `make test`; everything installs itself.
SHELL := /bin/bash
CITY ?= tianjin
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
LAYER_STAMP := build/layer-deps/.built
WEB_STAMP := functions/pages/static/vendor/.vendored
CDK_CLI := aws-cdk@2.1148.1
export PYTHONPATH := layers/hotline/python:.
export TZ := UTC
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run demo test lint typecheck unit integration infra local synth deploy bench layer web browser clean help

help:
	@echo "make run            run a city's hotline locally (CITY=$(CITY))"
	@echo "make demo           the local cloud plays a scripted day and prints it (CITY=$(CITY))"
	@echo "make test           the whole suite: lint, types, unit, integration, infra, local cloud"
	@echo "make synth CITY=x   synthesize one city's stack into cdk.out/"
	@echo "make deploy CITY=x  deploy one city to your AWS account (cdk deploy -c city=x)"
	@echo "make bench          benchmarks (never part of make test)"

$(VENV_STAMP): requirements.txt requirements-dev.txt
	@echo "==> installing Python dependencies into .venv"
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

# The dependency layer for Lambda (Python 3.14, x86_64 wheels); boto3/botocore come with the runtime.
$(LAYER_STAMP): requirements.txt $(VENV_STAMP)
	@echo "==> building the Lambda dependency layer"
	rm -rf build/layer-deps && mkdir -p build/layer-deps
	$(PY) -m pip install -q --target build/layer-deps/python --platform manylinux2014_x86_64 \
	  --implementation cp --python-version 3.14 --only-binary=:all: -r requirements.txt
	cd build/layer-deps/python && rm -rf botocore* boto3* s3transfer* jmespath* urllib3* dateutil \
	  python_dateutil* six* bin
	@touch $@

layer: $(LAYER_STAMP)

# The pages' two libraries, from the npm registry, vendored beside the pages (no build server):
# Chart.js for the figures, amazon-cognito-identity-js for the console's SRP sign-in.
$(WEB_STAMP): Makefile
	@echo "==> vendoring the pages' libraries (chart.js, amazon-cognito-identity-js)"
	rm -rf build/web && mkdir -p build/web functions/pages/static/vendor
	npm install --prefix build/web --no-audit --no-fund --silent chart.js@4.6.1 amazon-cognito-identity-js@6.3.21
	cp build/web/node_modules/chart.js/dist/chart.umd.js functions/pages/static/vendor/
	cp build/web/node_modules/amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js functions/pages/static/vendor/
	@touch $@

web: $(WEB_STAMP)

# The browser tests drive Debian's Chromium with a Chinese font (R-UI-1); installed here when
# missing, loudly when they cannot be (the tests then fail, never skip).
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi wqy; then \
	  echo "==> installing $(BROWSER_PACKAGES) for the browser tests"; \
	  apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
	  (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null 2>&1) || \
	  echo "!!! $(BROWSER_PACKAGES) could not be installed: the browser tests will fail, not skip"; fi

lint: $(VENV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(VENV_STAMP)
	$(PY) -m mypy

unit: $(VENV_STAMP)
	$(PY) -m pytest tests/unit -q

integration: $(VENV_STAMP)
	$(PY) -m pytest tests/integration -q

infra: $(VENV_STAMP) $(LAYER_STAMP)
	$(PY) -m pytest tests/infra -q -n 2

test: lint typecheck $(LAYER_STAMP) $(WEB_STAMP) browser
	$(PY) -m pytest -q -n 2 --dist loadgroup --durations=12

synth: $(VENV_STAMP) $(LAYER_STAMP) $(WEB_STAMP)
	CDK_CONTEXT_JSON='{"city": "$(CITY)"}' CDK_OUTDIR=cdk.out $(PY) -m infra.app
	@echo "==> cdk.out/Hotline-$(CITY).template.json"

deploy: $(VENV_STAMP) $(LAYER_STAMP) $(WEB_STAMP)
	npx --yes $(CDK_CLI) deploy -c city=$(CITY) -c stage=$${STAGE:-prod} --require-approval broadening

run: $(VENV_STAMP) $(LAYER_STAMP) $(WEB_STAMP)
	$(PY) -m hotline_local.run --city $(CITY)

demo: $(VENV_STAMP) $(LAYER_STAMP) $(WEB_STAMP)
	$(PY) -m hotline_local.run --city $(CITY) --demo

local: $(VENV_STAMP) $(LAYER_STAMP)
	$(PY) -m pytest tests/local -q

bench: $(VENV_STAMP)
	$(PY) -m bench.run

clean:
	rm -rf .venv build cdk.out .hotline .pytest_cache .mypy_cache .ruff_cache
