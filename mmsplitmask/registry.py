"""Registers one class in the registries of several OpenMMLab toolboxes.

The same backbone serves mmpretrain, mmdet and mmseg configs; each toolbox resolves
``type=...`` in its own scope, so the class is registered in each of them.
"""
import importlib

_REGISTRY_MODULES = {
    'mmpretrain': 'mmpretrain.registry',
    'mmdet': 'mmdet.registry',
    'mmseg': 'mmseg.registry',
}


def _register(registry_name, scopes):
    def decorator(cls):
        for scope in scopes:
            registry = getattr(importlib.import_module(_REGISTRY_MODULES[scope]), registry_name)
            registry.register_module(module=cls)
        return cls
    return decorator


def register_model(*scopes):
    return _register('MODELS', scopes or ('mmpretrain', ))


def register_transform(*scopes):
    return _register('TRANSFORMS', scopes or ('mmpretrain', ))


def register_dataset(*scopes):
    return _register('DATASETS', scopes or ('mmpretrain', ))


def register_optim_constructor(*scopes):
    return _register('OPTIM_WRAPPER_CONSTRUCTORS', scopes)


def register_hook(*scopes):
    return _register('HOOKS', scopes or ('mmpretrain', ))


def register_sampler(*scopes):
    return _register('DATA_SAMPLERS', scopes or ('mmpretrain', ))
