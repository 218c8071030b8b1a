# ADE20K, 512x512 crops (mmseg's settings); the model pads training batches to 512.
_base_ = 'mmseg::_base_/datasets/ade20k.py'
