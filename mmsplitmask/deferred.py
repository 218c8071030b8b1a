"""Run code when a module of another toolbox is first imported, not before.

``import mmsplitmask`` must not import mmdet's or mmseg's datasets and models: those
import mmcv's compiled ops, which pre-training, probes and the benchmarks do not need
(an mmcv built without ops runs them). What we add to those toolboxes is applied
when the module is imported, by whoever imports it first: mmengine's registry when a
config of that scope builds a dataset, or a direct import.
"""
import importlib.abc
import sys

_pending = {}  # module name -> [callback(module)]


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the loader of a module we wait for, so that the
    callbacks run right after the module's code."""

    def find_spec(self, name, path=None, target=None):
        if name not in _pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, 'exec_module'):
                    spec.loader = _Loader(spec.loader)
                return spec
        return None


class _Loader(importlib.abc.Loader):

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        for callback in _pending.pop(module.__name__, []):
            callback(module)

    def __getattr__(self, name):  # get_source, get_filename, ... of the real loader
        return getattr(self.loader, name)


_finder = _Finder()


def when_imported(name, callback):
    """``callback(module)`` now if ``name`` is imported, else right after its import."""
    if name in sys.modules:
        callback(sys.modules[name])
        return
    _pending.setdefault(name, []).append(callback)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
