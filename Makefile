# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
OCR := $(VENV)/.ocr
APT_OCR := tesseract-ocr tesseract-ocr-eng

.PHONY: demo test lint synth clean

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
	@if command -v tesseract >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(APT_OCR) >/dev/null) || echo "warning: could not install tesseract"; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(APT_OCR) >/dev/null) || echo "warning: could not install tesseract"; \
	else echo "note: tesseract is not installed, so offline OCR is off (README: OCR)."; fi
	touch $(OCR)

demo: $(STAMP) $(OCR)
	$(VENV)/bin/docpipe demo

test: $(STAMP) $(OCR) lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

synth: $(STAMP)
	PATH="$(CURDIR)/node_modules/.bin:$$PATH" npx cdk synth --quiet

clean:
	rm -rf $(VENV) node_modules cdk.out
