"""Collect a wheelhouse for installing this repository on machines without internet.

Run on a machine with internet; copy DIR to the node, then there:
``make install WHEELHOUSE=DIR PYTHON=python3`` (docs/get_started.md, "GPU nodes without internet").

DIR gets wheels for the whole stack of requirements.txt except torch/torchvision (the
node brings its own: the CUDA build matching its driver), for one Python version and
Linux platform (a run for another version adds to DIR), and for mmcv 2.1.0, the only
package of the stack that PyPI has as an sdist alone (the resolve below takes wheels
only, ``--only-binary :all:``, and finds them for everything else):

- ``mmcv-2.1.0+noops-py2.py3-none-any.whl``: built here with MMCV_WITH_OPS=0, any Python;
  mmcv.ops (and so mmdet/mmseg models and ``import mmsplitmask``) will not import;
- ``mmcv/mmcv-2.1.0.tar.gz``: the sdist, from which tools/misc/install.sh builds the ops on
  the node against the node's torch (needs g++; nvcc for the CUDA ops);
- ``mmcv/<key>/mmcv-*.whl``: wheels with ops that tools/misc/install.sh built on this machine
  (cached under ~/.cache/mmsplitmask/wheels/<key>, key = torch version, Python, device);
  the node uses one only if its torch version and Python match the key.

How: ``pip install --dry-run --report`` resolves the stack for the target Python and
platform from the index's metadata (PEP 658, so torch's ~1 GB wheels are never
downloaded); the packages reachable without going through torch/torchvision are then
downloaded with ``pip download --no-deps``, each from the URL and hash pip resolved.
Needs pip >= 22.2 (``--dry-run --report``), e.g. .venv's.
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMCV = '2.1.0'
NODE_OWN = {'torch', 'torchvision'}  # never collected: the node's own build is used
# tools/misc/install.sh installs these besides requirements.txt (ninja/wheel: the ops build).
BUILD_TOOLS = ['wheel', 'ninja']
# mmcv's setup.py imports pkg_resources, which setuptools 81 removed.
BUILD_CONSTRAINTS = 'setuptools<81\n'


def normalize(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def requirement_name(line):
    return normalize(re.match(r'\s*([A-Za-z0-9._-]+)', line).group(1))


def pip(*args, env=None):
    cmd = [sys.executable, '-m', 'pip', *args]
    print('+', ' '.join(cmd[:4]), '...' if len(cmd) > 12 else ' '.join(cmd[4:]), flush=True)
    subprocess.run(cmd, check=True, env=env)


def target_options(python_version, glibc, arch):
    """pip's options for a foreign interpreter: binary wheels only, for CPython
    python_version on manylinux up to glibc (pip does not expand manylinux_2_X itself)."""
    major, minor = (int(x) for x in glibc.split('.'))
    platforms = [f'manylinux_{major}_{m}_{arch}' for m in range(minor, 4, -1)]
    platforms += [f'manylinux{tag}_{arch}' for tag in ('2014', '2010', '1')]
    options = ['--only-binary', ':all:', '--python-version', python_version,
               '--implementation', 'cp']
    for tag in platforms:
        options += ['--platform', tag]
    return options, platforms


def stack_roots():
    """requirements.txt's lines without torch/torchvision/mmcv, and the build tools."""
    lines = [ln.split('#')[0].strip() for ln in open(osp.join(ROOT, 'requirements.txt'))]
    return [ln for ln in lines if ln and requirement_name(ln) not in NODE_OWN | {'mmcv'}
            ] + BUILD_TOOLS


def without_torch(report, roots):
    """The resolved packages reachable from roots without passing through torch or
    torchvision (so not torch's nvidia-*, triton, sympy, ... unless something else
    needs them), and those left out."""
    by_name = {normalize(item['metadata']['name']): item for item in report['install']}
    keep, todo = set(), [requirement_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in keep or name in NODE_OWN or name not in by_name:
            continue  # not in by_name: a dependency only for another Python/platform
        keep.add(name)
        for dep in by_name[name]['metadata'].get('requires_dist', []):
            if 'extra ==' not in dep.replace('extra==', 'extra =='):
                todo.append(requirement_name(dep))
    return [by_name[n] for n in sorted(keep)], sorted(set(by_name) - keep)


def build_pure_mmcv(out, tmp, env):
    """Download mmcv's sdist into out/mmcv/ and build mmcv-<v>+noops-py2.py3-none-any.whl
    into out: MMCV_WITH_OPS=0, kept under the name mmcv (setup.py would say mmcv-lite)
    so that requirements.txt's mmcv==2.1.0 accepts it; '+noops' says what it is."""
    if glob.glob(osp.join(out, f'mmcv-{MMCV}+noops-*.whl')):
        return  # any Python: a run for another version has built it
    print(f'==> building mmcv {MMCV} without ops (MMCV_WITH_OPS=0)', flush=True)
    os.makedirs(osp.join(out, 'mmcv'), exist_ok=True)
    sdist = osp.join(out, 'mmcv', f'mmcv-{MMCV}.tar.gz')
    if not osp.exists(sdist):  # (its metadata says mmcv-lite under MMCV_WITH_OPS=0)
        pip('download', '--quiet', '--no-deps', '--no-binary', ':all:', f'mmcv=={MMCV}',
            '-d', osp.join(out, 'mmcv'), env=dict(env, MMCV_WITH_OPS='1'))
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp, filter='data')  # no links or paths out of tmp
    setup_py = osp.join(tmp, f'mmcv-{MMCV}', 'setup.py')
    code = open(setup_py).read()
    patched = code.replace("else 'mmcv-lite'", "else 'mmcv'").replace(
        'version=get_version(),', "version=get_version() + '+noops',")
    assert patched.count("'+noops'") == 1 and "'mmcv-lite'" not in patched, setup_py
    open(setup_py, 'w').write(patched)
    pip('wheel', '--quiet', '--no-deps', '-w', out, osp.dirname(setup_py), env=env)


def copy_ops_wheels(out, pytag):
    """The mmcv wheels with ops that tools/misc/install.sh built here for this Python."""
    cache = os.environ.get('MMSPLITMASK_CACHE') or osp.join(
        os.environ.get('XDG_CACHE_HOME') or osp.expanduser('~/.cache'), 'mmsplitmask')
    keys = []
    for wheel in sorted(glob.glob(f'{cache}/wheels/mmcv-{MMCV}-torch*-{pytag}-*/mmcv-*.whl')):
        key = osp.basename(osp.dirname(wheel))
        os.makedirs(osp.join(out, 'mmcv', key), exist_ok=True)
        shutil.copy2(wheel, osp.join(out, 'mmcv', key, osp.basename(wheel)))
        keys.append(key)
    return keys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('dir', help='the wheelhouse folder (created, or added to)')
    parser.add_argument('--python-version', default='%d.%d' % sys.version_info[:2],
                        help="the node's Python, e.g. 3.12 (default: this one's)")
    parser.add_argument('--glibc', default='2.28',
                        help="the node's glibc at least (default 2.28, the floor of "
                             "torch's own wheels, so any node that runs pip's torch)")
    parser.add_argument('--arch', default=platform.machine(), help='default: this machine')
    args = parser.parse_args()
    out = osp.abspath(args.dir)
    os.makedirs(out, exist_ok=True)
    pytag = 'cp' + args.python_version.replace('.', '')
    options, platforms = target_options(args.python_version, args.glibc, args.arch)
    roots = stack_roots()

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MMCV_WITH_OPS='0', PIP_CONSTRAINT=osp.join(tmp, 'c.txt'))
        open(env['PIP_CONSTRAINT'], 'w').write(BUILD_CONSTRAINTS)
        print(f'==> resolving requirements.txt for Python {args.python_version}, '
              f'{platforms[0]} (metadata only)', flush=True)
        report = osp.join(tmp, 'report.json')
        pip('install', '--quiet', '--dry-run', '--ignore-installed', '--report', report,
            '--target', osp.join(tmp, 'target'), *options, *roots)
        keep, left_out = without_torch(json.load(open(report)), roots)
        print(f'==> downloading {len(keep)} wheels; left to the node\'s torch: '
              + ', '.join(left_out), flush=True)
        urls = []
        for item in keep:
            info = item['download_info']
            sha = info.get('archive_info', {}).get('hashes', {}).get('sha256')
            urls.append(info['url'] + (f'#sha256={sha}' if sha else ''))
        pip('download', '--quiet', '--no-deps', *options, '-d', out, *urls)
        build_pure_mmcv(out, tmp, env)
    keys = copy_ops_wheels(out, pytag)

    # One folder can serve several Pythons: a run for another version adds to it.
    manifest = osp.join(out, 'wheelhouse.json')
    old = json.load(open(manifest)) if osp.exists(manifest) else {}
    versions = sorted(set(old.get('python_versions', [])) | {args.python_version})
    json.dump({'python_versions': versions, 'platform': f'{platforms[0]} and older',
               'mmcv_ops_wheels': sorted(set(old.get('mmcv_ops_wheels', [])) | set(keys)),
               'left_to_the_node': sorted(NODE_OWN)}, open(manifest, 'w'), indent=1)
    wheels = glob.glob(osp.join(out, '**', '*.whl'), recursive=True)
    size = sum(osp.getsize(w) for w in wheels) / 2**20
    print(f'OK: {len(wheels)} wheels, {size:.0f} MiB in {out}')
    print('mmcv with ops: ' + (', '.join(f'mmcv/{k}' for k in keys) if keys else
          f'none for {pytag} (the node builds it from mmcv/mmcv-{MMCV}.tar.gz: needs g++)'))


if __name__ == '__main__':
    main()
