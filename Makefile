# The two commands of the README: `make run` and `make test`.
# The interpreter the venv is made from: the distribution's /usr/bin/python3 when it is
# 3.11 or newer and can make a venv, else the first python3 on PATH.  Debian's is built
# with PGO and LTO and links libpython statically; on the offline pipeline it runs
# ~15 % faster than a plain source build such as pyenv's default (docs/PERFORMANCE.md).
# Another: `make run PY=python3.12` (delete .venv first to switch).
SYSTEM_PY := /usr/bin/python3
PY ?= $(shell $(SYSTEM_PY) -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $(SYSTEM_PY) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run serve test lint typecheck pytest test-live test-browser golden bench bench-live bench-instructions audit faults clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

# The app listens on loopback only, so its history is the one local user's.  HOST=0.0.0.0 make run
# shares it on the network, and then each browser session gets its own history (README, The app).
run: $(STAMP)
	SUMMARIZER_ENGINE=$${SUMMARIZER_ENGINE:-auto} $(BIN)/streamlit run app.py --server.address $(or $(HOST),127.0.0.1) --server.port $(PORT) --server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal

serve: $(STAMP)  # the HTTP API on http://127.0.0.1:8000 (docs at /docs); HOST=0.0.0.0 needs SUMMARIZER_API_TOKENS
	$(BIN)/summarizer serve --host $(or $(HOST),127.0.0.1) --port $(or $(API_PORT),8000)

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check summarizer tests bench app.py app_views.py app_track.py app_access.py
	$(BIN)/ruff format --check summarizer tests bench app.py app_views.py app_track.py app_access.py

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test-live: $(STAMP)
	bash scripts/live_llm.sh

test-browser: $(STAMP)
	bash scripts/install_browser.sh
	$(BIN)/pytest -m browser -p no:cacheprovider

golden: $(STAMP)
	$(BIN)/python -m tests.regen_golden

bench: $(STAMP)
	$(BIN)/python bench/offline.py
	$(BIN)/python bench/stages.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/batch.py --reports 500
	$(BIN)/python bench/llm.py  # with the 20-report batch of bench/llm_batch.py

bench-live: $(STAMP)  # a real local model (LIVE_MODEL=0.5b|1.5b); minutes per report on 2 cores
	LIVE_BENCH=live bash scripts/live_llm.sh

bench-instructions: $(STAMP)  # needs valgrind; ~3 minutes
	$(BIN)/python bench/instructions.py

audit: $(STAMP)
	bash scripts/audit.sh

faults: $(STAMP)
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
