# splitmask_tiny.py with a decoder that sees no patch and no class token of the encoder:
# predictions can depend on position only (tests/reliability_faults.py; tests/ must be
# on PYTHONPATH).
_base_ = './splitmask_tiny.py'
custom_imports = dict(imports=['mmsplitmask', 'reliability_faults'], allow_failed_imports=False)
model = dict(neck=dict(type='ContextCutDecoder'))
