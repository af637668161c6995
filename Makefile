# venuekit: two commands for a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install test-deps bench messages translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues are build output; the .po files are the source.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d webapp/translations

# Laptop mode runs the Pi's topology (nginx in front): install Debian's nginx if it is missing.
run: install
	bash scripts/test-deps.sh nginx
ifdef DEMO
	$(BIN)/venuekit --data $(DATA) demo
endif
	$(BIN)/venuekit --data $(DATA) serve --front --host $(HOST) --port $(PORT) --spooler

test-deps:
	bash scripts/test-deps.sh

test: install test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/load.py

messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k NP_:1,2 -o webapp/translations/messages.pot webapp printer

clean:
	rm -rf $(VENV) build *.egg-info
