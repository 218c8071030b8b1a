"""Test-only: an environment whose Python finds none of mmcv's compiled ops and none of
mmdet's or mmseg's models, as if they were not installed.

Put this folder first on PYTHONPATH: every interpreter started with it (the tools,
and the processes they spawn) imports this module at start-up. ``mmcv._ext`` is what
an mmcv built without ops (MMCV_WITH_OPS=0) lacks; ``mmcv.ops``, ``mmdet.models`` and
``mmseg.models`` need it. Each finder of ``sys.meta_path`` is wrapped so that it finds
nothing of those: an import raises ModuleNotFoundError and ``importlib.util.find_spec``
returns None (what mmengine's ``mmcv_full_available`` reads), as on such an install.
"""
import sys

BLOCKED = ('mmcv._ext', 'mmcv.ops', 'mmdet.models', 'mmseg.models')


class Without:
    """A finder that finds what ``finder`` finds, except BLOCKED and their submodules."""

    def __init__(self, finder):
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED or name.startswith(tuple(b + '.' for b in BLOCKED)):
            return None
        return self.finder.find_spec(name, path, target)

    def __getattr__(self, name):  # invalidate_caches, ...
        return getattr(self.finder, name)


sys.meta_path[:] = [Without(finder) for finder in sys.meta_path]
