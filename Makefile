# The README's two commands: `make run` and `make test`. Both build .venv first if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# torch first, from the CPU wheel on this machine's disk: resolving the project's range
# against an installed 2.13.0 then downloads nothing more (never a multi-GB CUDA build).
TORCH := torch==2.13.0

.PHONY: run test bench lint fmt check-content clean

$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	@echo "Setting up $(VENV): PyTorch (CPU) first, then the project's packages. The first time this takes about 3 minutes; later runs start at once."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)
	$(BIN)/python -m bot

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check bot tutor playground tests bench
	$(BIN)/ruff format --check bot tutor playground tests bench
	$(BIN)/mypy tutor bot playground
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix bot tutor playground tests bench
	$(BIN)/ruff format bot tutor playground tests bench

check-content: $(STAMP)
	$(BIN)/python -m bot check-content

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
