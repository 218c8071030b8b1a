# make install: .venv with the whole stack (first run builds mmcv, 11-15 min on 2 cores)
#               offline: make install WHEELHOUSE=DIR PYTHON=python3 (docs/gpu_node.md)
# make demo:    the small-scale study's story on generated scenes (docs/demo.md)
# make test:    the test suite (CPU only)
# make mutation: mutation score of the core against the fast unit tests (mutmut; not part
#               of make test; installs mutmut into .venv the first time; docs/mutation_testing.md)
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: install demo test mutation lint clean

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

# The core's functions (setup.cfg's [mutmut] names the files and the tests);
# of vit.py only the gathering of each sequence's patches.
MUTANTS := 'mmsplitmask.models.splitmask.*' 'mmsplitmask.models.decoder.*' \
	'mmsplitmask.models.heads.*SplitMaskHead*' 'mmsplitmask.models.losses.*' \
	'mmsplitmask.datasets.split_mask.*' 'mmsplitmask.engine.layer_decay.*' \
	'mmsplitmask.models.vit.x_gather_sequences*' 'mmsplitmask.models.vit.*SplitMaskViT?forward__*' \
	'mmsplitmask.models.vit.*SplitMaskViT?embed_patches__*'
MUTMUT := mutmut==3.8.1
# One thread: torch's thread pool does not survive mutmut's fork per mutant (it hangs).
mutation:
	@test -x $(VENV)/bin/python || { echo 'no $(VENV): run make install first'; exit 1; }
	$(VENV)/bin/python -c 'import mutmut' 2>/dev/null || $(VENV)/bin/python -m pip install --quiet '$(MUTMUT)'
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 19 \
		$(VENV)/bin/python -m mutmut run $(MUTANTS)
	$(VENV)/bin/python tools/misc/mutation_report.py $(MUTANTS)

clean:
	rm -rf $(VENV) work_dirs/*/ .pytest_cache mutants
