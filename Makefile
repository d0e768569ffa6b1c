# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test lint typecheck pytest test-live test-browser golden bench audit faults clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	SUMMARIZER_ENGINE=$${SUMMARIZER_ENGINE:-auto} $(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check summarizer tests bench app.py app_views.py
	$(BIN)/ruff format --check summarizer tests bench app.py app_views.py

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
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/llm_batch.py

audit: $(STAMP)
	bash scripts/audit.sh

faults: $(STAMP)
	$(BIN)/python bench/faults.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
