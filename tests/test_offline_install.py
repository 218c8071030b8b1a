"""Offline install for nodes without internet: tools/misc/make_wheelhouse.py collects a real
wheelhouse here (for this Python and platform), and ``WHEELHOUSE=DIR tools/misc/install.sh``
installs from it into a fresh venv with every network path closed.

The simulated node: GPU nodes bring their own torch (a CUDA build) in their Python. Here
a "node" venv is made from the base interpreter of the running one, holding nothing but
symlinks to torch, torchvision and their dependencies (the closure of their installed
metadata's requirements) in this environment's site-packages: a Python that has torch
and nothing of the stack, without downloading torch's ~1 GB wheel. install.sh must keep
that torch (not requirements.txt's pin) and install all the rest from the wheelhouse.

No network for the install: pip gets no index (PIP_NO_INDEX) and every proxy variable
points at a closed port, so any download attempt would fail; this machine's own pip
settings (find-links, file:// indexes) stay, so install.sh must shut them out itself,
which the run with a wheel hidden from the wheelhouse shows.

Into the same venv: a run with MMCV_OPS=0 and one wheel hidden (installs the mmcv
without ops, then fails, naming the wheel and the fix); then the default run, which
swaps in the mmcv with ops built for this torch and Python (the wheel that ``make
install`` cached, which the wheelhouse holds) and checks every toolbox and ``import
mmsplitmask``. (The MMCV_OPS=0 run to its end, ~25 s more, is left out for time.)
The wheelhouse is built from the network: skipped (only) when PyPI is unreachable.
"""
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from importlib import metadata

import pytest
from conftest import ROOT
from packaging.requirements import Requirement

CLOSED = 'http://127.0.0.1:9'  # the discard port: nothing listens, connections fail


def pypi_reachable():
    try:
        urllib.request.urlopen('https://pypi.org/simple/pip/', timeout=5).close()
        return True
    except OSError:
        return False


def torch_closure():
    """torch, torchvision and what they need (with the extras asked for: torch needs
    cuda-toolkit[cudart, ...]), as installed here."""
    seen, todo = {}, [('torch', ''), ('torchvision', '')]
    while todo:
        name, extra = todo.pop()
        dist = metadata.distribution(name)
        if (dist.metadata['Name'].lower(), extra) in seen:
            continue
        seen[dist.metadata['Name'].lower(), extra] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({'extra': extra}):
                todo += [(req.name, e) for e in ['', *req.extras]]
    return {name: dist for (name, _), dist in seen.items()}.values()


def make_node(path):
    """A venv from the base interpreter that sees only torch's closure (symlinked)."""
    subprocess.run([sys._base_executable, '-m', 'venv', '--without-pip', str(path)],
                   check=True)
    python = str(path / 'bin' / 'python')
    code = 'import sysconfig; print(sysconfig.get_path("purelib"))'
    site = subprocess.run([python, '-c', code], capture_output=True, text=True, check=True)
    site, here = site.stdout.strip(), sysconfig.get_path('purelib')
    for dist in torch_closure():
        tops = {str(f).split('/')[0] for f in dist.files or []} - {'..', '__pycache__'}
        for top in tops:
            if osp.exists(osp.join(here, top)) and not osp.exists(osp.join(site, top)):
                os.symlink(osp.join(here, top), osp.join(site, top))
    return python


def install(python, venv, wheelhouse, cache, **env):
    """Run WHEELHOUSE=... tools/misc/install.sh with no network; (returncode, output).
    CXX names no compiler: were no mmcv ops wheel to match, fail rather than build it
    (20 minutes). PIP_NO_COMPILE=0 (pip's inverted spelling of --no-compile): compiling
    the stack's bytecode is two thirds of the install's time here, and not under test."""
    proxies = {k: CLOSED for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY',
                                   'HTTPS_PROXY', 'ALL_PROXY', 'all_proxy')}
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(('PYTHON', 'VIRTUAL_ENV')) and 'proxy' not in k.lower()}
    full_env.update(proxies, PIP_NO_INDEX='1', PYTHON=python, VENV=str(venv),
                    WHEELHOUSE=str(wheelhouse), MMSPLITMASK_CACHE=str(cache),
                    CXX='/nonexistent', PIP_NO_COMPILE='0', **env)
    proc = subprocess.run(['bash', 'tools/misc/install.sh'], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def where(venv, modules):
    """{module: the file the venv's Python would import it from, or None}, found without
    importing (install.sh's own check has imported them)."""
    code = ('import importlib.util as u, json, sys; print(json.dumps({m: getattr(u.find_spec'
            '(m), "origin", None) for m in sys.argv[1:]}))')
    proc = subprocess.run([str(venv / 'bin' / 'python'), '-W', 'ignore', '-c', code,
                           *modules], capture_output=True, text=True, cwd='/',
                          env={'PATH': os.environ['PATH']})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not pypi_reachable(), reason='PyPI is unreachable: the wheelhouse '
                    'is collected from the network (tools/misc/make_wheelhouse.py)')
def test_wheelhouse_installs_offline_with_the_nodes_torch(tmp_path):
    wheelhouse, cache = tmp_path / 'wheelhouse', tmp_path / 'empty_cache'
    subprocess.run([sys.executable, 'tools/misc/make_wheelhouse.py', str(wheelhouse)],
                   cwd=ROOT, check=True, timeout=600)
    manifest = json.load(open(wheelhouse / 'wheelhouse.json'))
    names = os.listdir(wheelhouse)
    assert not [n for n in names if re.match(r'(torch|torchvision|nvidia_|triton)[-_]', n)]
    assert 'mmcv-2.1.0+noops-py2.py3-none-any.whl' in names
    assert (wheelhouse / 'mmcv/mmcv-2.1.0.tar.gz').exists()
    import torch
    cuda = shutil.which('nvcc') and shutil.which('nvidia-smi') and subprocess.run(
        ['nvidia-smi', '-L'], capture_output=True).returncode == 0  # as install.sh
    device = 'cuda' if cuda else 'cpu'
    key = (f'mmcv-2.1.0-torch{torch.__version__}-cp{sys.version_info[0]}'
           f'{sys.version_info[1]}-{device}')
    assert key in manifest['mmcv_ops_wheels'], (
        f'no mmcv wheel with ops for this torch in the cache ({key}): run make install')

    python, venv = make_node(tmp_path / 'node'), tmp_path / 'venv'
    here = '%d.%d' % sys.version_info[:2]
    # MMCV_OPS=0, with a wheel missing: mmcv without ops goes in, then the install stops,
    # naming the wheel and the command that fills the folder.
    hidden = next(wheelhouse.glob('termcolor-*.whl'))
    hidden.rename(tmp_path / hidden.name)
    rc, out = install(python, venv, wheelhouse, cache, MMCV_OPS='0')
    fill = f'python tools/misc/make_wheelhouse.py {wheelhouse} --python-version {here}'
    assert rc != 0 and 'mmcv 2.1.0 WITHOUT ops' in out and re.search(
        rf'{re.escape(str(wheelhouse))} has no wheel for termcolor.*Fill it: '
        rf'{re.escape(fill)}', out), out[-3000:]
    mmcv = where(venv, ['mmcv'])['mmcv']
    assert mmcv.startswith(str(venv)) and not [
        f for f in os.listdir(osp.dirname(mmcv)) if f.startswith('_ext')], mmcv
    (tmp_path / hidden.name).rename(hidden)

    # The default: mmcv's ops from the wheelhouse's wheel for this torch and Python.
    # (install.sh's check imports mmcv.ops, mmdet/mmseg/mmpretrain models, mmsplitmask.)
    rc, out = install(python, venv, wheelhouse, cache)
    assert rc == 0, out[-6000:]
    assert f'wheelhouse/mmcv/{key}' in out and f'({device} ops)' in out, out[-3000:]
    assert f"torch {torch.__version__} (the node's own" in out, out[-3000:]
    stack = ['torch', 'torchvision', 'mmengine', 'mmcv', 'mmdet', 'mmseg', 'mmpretrain']
    files = where(venv, [*stack, 'mmcv._ext', 'mmsplitmask'])
    assert files['torch'].startswith(str(tmp_path / 'node')), files
    assert all(files[m].startswith(str(venv)) for m in [*stack[2:], 'mmcv._ext']), files
    assert files['mmsplitmask'] == osp.join(ROOT, 'mmsplitmask', '__init__.py')


def test_offline_install_errors_name_the_fix(tmp_path):
    """No folder, or a folder for another Python: each says so and names the fix."""
    rc, out = install(sys.executable, tmp_path / 'venv', tmp_path / 'none', tmp_path)
    assert rc != 0 and 'no wheelhouse in' in out and 'tools/misc/make_wheelhouse.py' in out

    (tmp_path / 'wheelhouse.json').write_text(json.dumps({'python_versions': ['3.99']}))
    rc, out = install(sys.executable, tmp_path / 'venv', tmp_path, tmp_path)
    assert rc != 0 and 'holds wheels for Python 3.99' in out
    assert '--python-version %d.%d' % sys.version_info[:2] in out
    assert not (tmp_path / 'venv').exists()
