# splitmask_tiny.py with its targets shuffled over the batch: a model can learn only the
# token marginal (tests/reliability_faults.py; tests/ must be on PYTHONPATH).
_base_ = './splitmask_tiny.py'
custom_imports = dict(imports=['mmsplitmask', 'reliability_faults'], allow_failed_imports=False)
model = dict(target_generator=dict(type='BatchShuffledTokenizer'))
