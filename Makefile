# Two commands on a fresh machine: `make demo` and `make test`.
# PyTorch is pinned here (not in pyproject.toml): torch==2.13.0 resolves to the local CPU wheel;
# GPU users install a CUDA build first (see README) and `make install` keeps it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TORCH_SPEC ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: install demo test browser-deps clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml Makefile
	$(PIP) install -q --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install -q "$(TORCH_SPEC)"
	$(PIP) install -q -e ".[test,exchange]"
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium + chromedriver for the browser tests of report.html and dashboard.html.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "note: chromium/chromium-driver not installed (need root + apt-get); browser tests will be skipped"; fi

demo: install
	$(VENV)/bin/nts run

test: install browser-deps
	$(PY) -m pytest -q -p no:cacheprovider

bench: install
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) runs data_cache .pytest_cache
