# make install: .venv with the whole stack (first run builds mmcv, 11-15 min on 2 cores)
# make demo:    the paper's story on generated data (see README)
# make test:    the test suite (CPU only)
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): requirements.txt tools/install.sh pyproject.toml
	PYTHON=$(PYTHON) bash tools/install.sh
	touch $@

demo: install
	$(VENV)/bin/python tools/demo.py

test: install
	$(VENV)/bin/python -m pytest -q tests

clean:
	rm -rf $(VENV) work_dirs/*/ .pytest_cache
