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

The GPU node's kit (docs/gpu_node.md) is tested the same way for Python 3.12 with the
node's package list, on a simulated node whose packages are metadata only (see
test_node_kit_installs_offline_on_a_simulated_node for what that can and cannot show).
"""
import functools
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from importlib import metadata

import pytest
from conftest import ROOT, run_tool
from misc import make_wheelhouse
from packaging.requirements import Requirement
from packaging.version import Version

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
    """A venv from the base interpreter that sees only torch's closure (symlinked), and a
    transformers 5 as the GPU node has (metadata and an empty module): were the venv to
    see it, mmpretrain would import its multimodal models through it and install.sh's
    check of ``import mmpretrain.models`` would fail (docs/gpu_node.md)."""
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
    fake_dist(site, 'transformers', '5.17.0', ['transformers'])
    return python


def install(python, venv, wheelhouse, cache, bytecode=False, **env):
    """Run WHEELHOUSE=... tools/misc/install.sh with no network; (returncode, output).
    CXX names no compiler: were no mmcv ops wheel to match, fail rather than build it
    (20 minutes). Unless bytecode: PIP_NO_COMPILE=0 (pip's inverted spelling of
    --no-compile): compiling the whole stack's bytecode is two thirds of its install's
    time here, and not under test."""
    proxies = {k: CLOSED for k in ('http_proxy', 'https_proxy', 'HTTP_PROXY',
                                   'HTTPS_PROXY', 'ALL_PROXY', 'all_proxy')}
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(('PYTHON', 'VIRTUAL_ENV')) and 'proxy' not in k.lower()}
    full_env.update(proxies, PIP_NO_INDEX='1', PYTHON=python, VENV=str(venv),
                    WHEELHOUSE=str(wheelhouse), MMSPLITMASK_CACHE=str(cache),
                    CXX='/nonexistent', **env)
    if not bytecode:
        full_env['PIP_NO_COMPILE'] = '0'
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
    files = where(venv, [*stack, 'mmcv._ext', 'mmsplitmask', 'transformers'])
    assert osp.realpath(files['torch']) == osp.realpath(torch.__file__), files
    assert files['transformers'] is None, files
    assert all(files[m].startswith(str(venv)) for m in [*stack[2:], 'mmcv._ext']), files
    assert files['mmsplitmask'] == osp.join(ROOT, 'mmsplitmask', '__init__.py')


@functools.cache
def python312():
    """A CPython 3.12 (the GPU node's Python version) that runs: pyenv's, or on PATH."""
    for path in [*sorted(glob.glob(osp.expanduser('~/.pyenv/versions/3.12*/bin/python3.12'))),
                 shutil.which('python3.12')]:
        if path and subprocess.run([path, '-c', 'import sys, venv; assert sys.version_info'
                                    '[:2] == (3, 12)'], capture_output=True).returncode == 0:
            return path
    return None


def fake_dist(site, name, version, modules=(), code=''):
    """An installed distribution of metadata only, with empty modules (each holding
    code), as pip and importlib.metadata see a real one (RECORD lists its files)."""
    info = f"{re.sub(r'[-.]+', '_', name)}-{version}.dist-info"
    files = {f'{info}/METADATA': f'Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n',
             f'{info}/INSTALLER': 'pip\n',
             **{f'{module}/__init__.py': code for module in modules}}
    for path, text in files.items():
        os.makedirs(osp.join(site, osp.dirname(path)), exist_ok=True)
        open(osp.join(site, path), 'w').write(text)
    open(osp.join(site, info, 'RECORD'), 'w').write(
        ''.join(f'{p},,\n' for p in [*files, f'{info}/RECORD']))


NODE_FILE = osp.join(ROOT, 'tools/misc/node_packages/h200.txt')
# Modules the simulated node's packages need here: the GPU node's torch.__version__ has
# the +cu130 its metadata lacks (as PyPI's torch); the others are there to be hidden or
# seen through the alias.
NODE_MODULES = {'torch': (['torch'], "__version__ = '2.11.0+cu130'\n"),
                'torchvision': (['torchvision'], ''), 'transformers': (['transformers'], ''),
                'setuptools': (['setuptools', 'pkg_resources'], ''),
                'opencv-python-headless': (['cv2'], '')}


def make_fake_node(path):
    """A Python 3.12 venv with pip whose other packages are those of the GPU node's list,
    as metadata only (a version the list lacks: setuptools 81.0, >= 81 as on the node,
    the others 99.0), some with empty modules (NODE_MODULES)."""
    subprocess.run([python312(), '-m', 'venv', str(path)], check=True)
    python = str(path / 'bin' / 'python')
    site = subprocess.run([python, '-c', 'import sysconfig; print(sysconfig.get_path("purel'
                           'ib"))'], capture_output=True, text=True, check=True).stdout.strip()
    for line in open(NODE_FILE):
        line = line.split('#')[0].strip()
        name, _, version = line.partition('==')
        if line and name != 'pip':
            version = version.split('+')[0] or ('81.0' if name == 'setuptools' else '99.0')
            modules, code = NODE_MODULES.get(name, ((), ''))
            fake_dist(site, name, version, modules, code)
    return python, site


def fake_ops_wheel(path, device):
    """A stand-in for an mmcv 2.1.0 wheel with ops for Python 3.12 (the real one needs
    the node's torch): its _ext holds libcudart's name where the ops are CUDA's."""
    info = 'mmcv-2.1.0.dist-info'
    files = {f'{info}/METADATA': 'Metadata-Version: 2.1\nName: mmcv\nVersion: 2.1.0\n',
             f'{info}/WHEEL': 'Wheel-Version: 1.0\nRoot-Is-Purelib: false\n'
                              'Tag: cp312-cp312-linux_x86_64\n',
             'mmcv/__init__.py': "__version__ = '2.1.0'\n",
             'mmcv/_ext.cpython-312-x86_64-linux-gnu.so':
                 'libcudart.so.13' if device == 'cuda' else 'no CUDA'}
    files[f'{info}/RECORD'] = ''.join(f'{p},,\n' for p in [*files, f'{info}/RECORD'])
    wheel = path / 'mmcv-2.1.0-cp312-cp312-linux_x86_64.whl'
    with zipfile.ZipFile(wheel, 'w') as whl:
        for name, text in files.items():
            whl.writestr(name, text)
    return wheel


@pytest.mark.skipif(not pypi_reachable(), reason='PyPI is unreachable: the kit is '
                    'collected from the network (tools/misc/make_wheelhouse.py)')
@pytest.mark.skipif(not python312(), reason='no CPython 3.12 (python3.12 on PATH or '
                    "pyenv's) to simulate the GPU node's Python with")
def test_node_kit_installs_offline_on_a_simulated_node(tmp_path):
    """The GPU node's kit (--node-packages h200.txt): collected for Python 3.12, then
    installed with no network into a simulated node, a Python 3.12 holding the node's
    list as metadata only. Shows: the kit leaves out torch and what the node has that
    fits, the install takes nothing but the kit and the node's packages, keeps the
    node's torch, hides its transformers, uses the kit's setuptools<81 over the node's,
    lets the node's opencv-python-headless stand for opencv-python, takes the ops wheel
    made for the node's torch, and pip check finds every requirement met. Cannot show:
    that the stack imports (the node's packages here are metadata; install.sh's last
    step, which imports it, fails on the fake torch), nor the real ops wheel on a GPU."""
    cuda = shutil.which('nvcc') and shutil.which('nvidia-smi') and subprocess.run(
        ['nvidia-smi', '-L'], capture_output=True).returncode == 0  # as install.sh
    device = 'cuda' if cuda else 'cpu'
    kit = tmp_path / 'kit'
    _, out = run_tool('tools/misc/make_wheelhouse.py', str(kit), '--python-version', '3.12',
                      '--node-packages', NODE_FILE,
                      '--mmcv-wheel', str(fake_ops_wheel(tmp_path, device)))
    size = float(re.search(r'OK: \d+ wheels, ([\d.]+) MiB', out)[1])
    names = os.listdir(kit)
    assert not [n for n in names if re.match(r'(torch|torchvision|nvidia_|triton|numpy|'
                                             r'scipy|transformers|opencv_python-[\d.]+-)', n)]
    assert [n for n in names if re.fullmatch(r'opencv_python-[\d.]+\+alias-py3-none-any\.whl', n)]
    assert [n for n in names if re.match(r'setuptools-80\.', n)], names
    manifest = json.load(open(kit / 'wheelhouse.json'))
    key = f'mmcv-2.1.0-torch2.11.0+cu130-cp312-{device}'
    assert manifest['mmcv_ops_wheels'] == [key] and 'transformers' in manifest[
        'hidden_from_the_venv'], manifest

    node, venv = tmp_path / 'node', tmp_path / 'venv'
    python, site = make_fake_node(node)
    start = time.time()
    rc, out = install(python, venv, kit, tmp_path / 'empty_cache', bytecode=True)
    seconds = time.time() - start
    print(f'kit: {size:.1f} MiB (the ops wheel a stand-in); install: {seconds:.0f} s')
    # every pip install went through; the last step fails on the fake torch, at import
    assert rc != 0 and f'using the mmcv wheel with ops from {kit}/mmcv/{key}' in out and (
        'checking the stack' in out and 'does not import mmcv.ops' in out), out[-4000:]

    files = where(venv, ['torch', 'transformers', 'setuptools', 'pkg_resources', 'cv2',
                         'mmcv', 'mmengine', 'mmdet', 'mmseg', 'mmpretrain', 'mmsplitmask'])
    assert osp.realpath(files['torch']) == osp.join(site, 'torch', '__init__.py'), files
    assert files['transformers'] is None, files
    assert osp.realpath(files['cv2']) == osp.join(site, 'cv2', '__init__.py'), files
    assert all(files[m].startswith(str(venv)) for m in [
        'setuptools', 'pkg_resources', 'mmcv', 'mmengine', 'mmdet', 'mmseg', 'mmpretrain'])
    assert osp.exists(osp.join(site, 'setuptools-81.0.dist-info')), 'the node was changed'
    check = subprocess.run([str(venv / 'bin' / 'python'), '-m', 'pip', 'check'], cwd='/',
                           capture_output=True, text=True, env={'PATH': os.environ['PATH']})
    assert check.returncode == 0, check.stdout + check.stderr


def test_node_packages_decide_what_the_kit_carries(tmp_path):
    """make_wheelhouse.select on a resolve made by hand: what the node has in a version
    that fits stays out, a misfit or one of unknown version under a specifier is carried,
    transformers always is, opencv-python becomes an alias of the node's headless build,
    markers and extras are evaluated for the target Python, torch is never walked."""
    def item(name, version, *requires):
        return {'metadata': {'name': name, 'version': version, 'requires_dist': requires}}
    report = {'install': [
        item('a', '1.0', 'numpy>=2', 'zipp>=3.20', 'old>=2', 'transformers>=4', 'torch',
             'b; python_version < "3.10"', 'c[x]'),
        item('c', '1.0', 'd; extra == "x"', 'e; extra == "y"'),
        *[item(n, '9.0') for n in ['b', 'd', 'e', 'numpy', 'zipp', 'old', 'transformers',
                                   'setuptools', 'opencv-python', 'torch', 'nvidia-cublas']]]}
    report['install'][-2]['metadata']['requires_dist'] = ['nvidia-cublas']
    listed = tmp_path / 'node.txt'
    listed.write_text('numpy==2.5.2\nzipp\nold==1.0\ntransformers==5.17.0\nsetuptools\n'
                      'opencv-python-headless  # a comment\n\nTorch==2.11.0+cu130\n')
    node = make_wheelhouse.read_node_packages(str(listed))
    assert node['torch'] == Version('2.11.0+cu130') and node['zipp'] is None
    collect, replaced, aliases, assumed = make_wheelhouse.select(
        report, ['a', 'opencv-python', 'setuptools>=77.0.3,<81', 'torch'], node,
        make_wheelhouse.target_environment('3.12', 'x86_64'))
    assert sorted(i['metadata']['name'] for i in collect) == [
        'a', 'c', 'd', 'old', 'setuptools', 'transformers', 'zipp']
    assert replaced == {'old'} and aliases == {'opencv-python': 'opencv-python-headless'}
    assert assumed == {'zipp': {'>=3.20'}, 'setuptools': {'<81,>=77.0.3'}}
    listed.write_text('# the node\nnumpy>=2\n')
    with pytest.raises(SystemExit, match=r'node\.txt:2: "numpy>=2" is not NAME==VERSION'):
        make_wheelhouse.read_node_packages(str(listed))


def test_mmcv_ops_check_on_cpu():
    """The node's first command, here on CPU with this environment's mmcv ops."""
    _, out = run_tool('tools/benchmarks/mmcv_ops_check.py')
    result = json.loads(out.strip().splitlines()[-1])
    assert result['ok'] and result['cpu_calls']['nms_same'], out
    assert result['cpu_calls']['roi_align_max_abs_diff'] < 1e-4, out


def test_offline_install_errors_name_the_fix(tmp_path):
    """No folder, or a folder for another Python: each says so and names the fix."""
    rc, out = install(sys.executable, tmp_path / 'venv', tmp_path / 'none', tmp_path)
    assert rc != 0 and 'no wheelhouse in' in out and 'tools/misc/make_wheelhouse.py' in out

    (tmp_path / 'wheelhouse.json').write_text(json.dumps({'python_versions': ['3.99']}))
    rc, out = install(sys.executable, tmp_path / 'venv', tmp_path, tmp_path)
    assert rc != 0 and 'holds wheels for Python 3.99' in out
    assert '--python-version %d.%d' % sys.version_info[:2] in out
    assert not (tmp_path / 'venv').exists()


def test_mmcv_cuda_build_names_a_missing_tool_before_any_download(tmp_path):
    """The hour-long cross-build is not run here; its checks of what it needs are, and
    they come before the build venv or a download."""
    env = {'WORK': str(tmp_path / 'work')}
    rc, out = run_tool('bash', 'tools/misc/build_mmcv_cuda.sh', str(tmp_path / 'out'),
                       env={**env, 'PY': str(tmp_path / 'none')}, check=False)
    assert rc == 1 and 'set PY=/path/to/python3.12' in out, out
    rc, out = run_tool('bash', 'tools/misc/build_mmcv_cuda.sh', str(tmp_path / 'out'),
                       env={**env, 'PY': sys.executable, 'CUDA_HOME': str(tmp_path)},
                       check=False)
    assert rc == 1 and f'no nvcc under {tmp_path}' in out, out
    assert not (tmp_path / 'work').exists()
