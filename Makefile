# make install: .venv with the whole stack (first run builds mmcv, 11-15 min on 2 cores)
#               offline: make install WHEELHOUSE=DIR PYTHON=python3 (docs/gpu_node.md)
# make demo:    the small-scale study's story on generated scenes (docs/demo.md)
# make test:    the test suite (CPU only)
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): requirements.txt tools/misc/install.sh pyproject.toml
	PYTHON=$(PYTHON) bash tools/misc/install.sh
	touch $@

demo: install
	$(VENV)/bin/python tools/demo.py

# Two workers, one test file each at a time: a file's trained fixtures are built once,
# and the files' fixed torchrun ports never meet.
test: install
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadfile tests

clean:
	rm -rf $(VENV) work_dirs/*/ .pytest_cache
