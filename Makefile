# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_INPUTS := samples/seed samples/html samples/warc

.PHONY: install run test lint typecheck chromium bench model clean-runs peer-datatrove

$(STAMP): pyproject.toml setup.py src/websieve/steps/clean/_linescan.c src/websieve/steps/extract/_regions.c \
		src/websieve/steps/lists/_urlscan.c src/websieve/steps/quality/_ngrams.c src/websieve/steps/dedup/_minhash.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/websieve run --preset default --input $(DEMO_INPUTS) --output runs/demo --overwrite

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck chromium
	$(BIN)/python -m pytest

# Debian's chromium, which tests/test_report.py opens the run report in (through Playwright, never
# `playwright install`: no browser download); installed only where /usr/bin/chromium is missing
chromium:
	@test -x /usr/bin/chromium || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y --no-install-recommends chromium || \
		{ $$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium; }; }

bench: $(STAMP)
	$(BIN)/python benchmarks/langid.py
	$(BIN)/python benchmarks/io_speed.py
	$(BIN)/python benchmarks/noisy_text.py $(if $(wildcard benchmarks/_work/cv/folds.json),--cv,)
	$(BIN)/python benchmarks/extraction.py $(if $(wildcard benchmarks/_work/cv-html/folds.json),--cv,)

# Retrain the line models shipped in src/websieve/steps/clean/data/ (text) and steps/extract/data/ (HTML)
# (needs ../shared/data and a registry): trafilatura, in its own environment, labels the lines;
# scikit-learn trains; numpy runs them.
model: $(STAMP)
	test -x benchmarks/_work/peer-venv/bin/python || $(PYTHON) -m venv benchmarks/_work/peer-venv
	benchmarks/_work/peer-venv/bin/pip install --quiet "trafilatura>=1.11,<1.12" lxml_html_clean
	benchmarks/_work/peer-venv/bin/python tools/make_silver.py > /dev/null
	$(BIN)/python -m pip install --quiet -e ".[dev,train]"
	$(BIN)/python tools/train_line_model.py
	$(BIN)/python tools/train_line_model.py --html

# datatrove's FineWeb filters and FineWeb-2's word splitters, for benchmarks/fineweb_parity.py, url_lists.py and
# tools/export_spacy_tokenizer.py; datatrove's MinHash, datasketch and rensa for benchmarks/dedup.py
# (peers, never websieve dependencies)
peer-datatrove:
	test -x benchmarks/_work/dt-venv/bin/python || $(PYTHON) -m venv benchmarks/_work/dt-venv
	benchmarks/_work/dt-venv/bin/pip install --quiet "datatrove[processing,io]==0.10.1" "spacy>=3.7,<4" \
		jieba sudachipy sudachidict_core pythainlp laonlp "kiwipiepy==0.21.0" pyvi khmer-nltk \
		"datasketch==2.0.0" "rensa==0.5.0"

clean-runs:
	rm -rf runs
