# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OCR := $(VENV)/.ocr
BROWSER := $(VENV)/.browser
APT_OCR := tesseract-ocr tesseract-ocr-eng
APT_BROWSER := chromium

.PHONY: demo test lint synth bundles lock bench deploy destroy smoke clean

# $(call apt_install,COMMAND,PACKAGES,WITHOUT IT): install Debian PACKAGES unless COMMAND is
# there, when the machine allows it (root, or sudo without a password, and apt-get);
# otherwise say what is off without them.
define apt_install
if command -v $(1) >/dev/null; then :; \
elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $(2) >/dev/null) || echo "warning: could not install $(2)"; \
elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $(2) >/dev/null) || echo "warning: could not install $(2)"; \
else echo "note: $(1) is not installed, so $(3)."; fi
endef

$(STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[offline,dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

# Offline OCR uses tesseract (Debian/Ubuntu: tesseract-ocr). It is installed here when the
# machine allows it (root, or sudo without a password, and apt-get); otherwise the set-up
# says how, and scanned documents end with OcrUnavailableError until it is installed.
$(OCR): $(STAMP)
	@$(call apt_install,tesseract,$(APT_OCR),offline OCR is off (README: OCR))
	touch $(OCR)

# The console's browser tests drive Debian's Chromium (README: Console); installed here the
# same way, for the tests only. Without it those tests skip and say why.
$(BROWSER): $(STAMP)
	@$(call apt_install,chromium,$(APT_BROWSER),the console's browser tests skip)
	touch $(BROWSER)

demo: $(STAMP) $(OCR)
	$(VENV)/bin/docpipe demo

test: $(STAMP) $(OCR) $(BROWSER) lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Every benchmark, written up in docs/BENCHMARKS.md (README: Benchmarks); 10-15 minutes.
bench: $(STAMP) $(OCR)
	$(PY) -m bench

synth: $(STAMP)
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" npx cdk synth --quiet

# Each Lambda's bundle, built from its lock file as synth builds it, and its size (README:
# Lambda bundles). `make lock` resolves pyproject.toml's dependencies again for the Lambda
# platform and rewrites infra/lambda-locks/ (the tests fail while a lock is stale).
bundles: $(STAMP)
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" $(PY) -m infra.bundling --report

lock: $(STAMP)
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" $(PY) -m infra.lock

# A deployed stack (README: Deploy to AWS): the AWS credentials and region of the shell;
# STACK names the copy (default Docpipe), CDK_ARGS passes more, e.g. CDK_ARGS='-c modelId=...'.
STACK ?= Docpipe
CDK := PATH="$(CURDIR)/node_modules/.bin:$$PATH" npx cdk

deploy: $(STAMP)
	$(CDK) deploy -c stackName=$(STACK) $(CDK_ARGS)

destroy: $(STAMP)
	$(CDK) destroy -c stackName=$(STACK) $(CDK_ARGS)

smoke: $(STAMP)
	$(VENV)/bin/docpipe smoke --stack $(STACK)

clean:
	rm -rf $(VENV) node_modules cdk.out
