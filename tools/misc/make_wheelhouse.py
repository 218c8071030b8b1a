"""Collect a wheelhouse for installing this repository on machines without internet.

Run on a machine with internet; copy DIR to the node, then there:
``make install WHEELHOUSE=DIR PYTHON=python3`` (docs/gpu_node.md).

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

For one known node, ``--node-packages FILE`` (one ``NAME==VERSION`` a line, as ``pip
freeze``, or ``NAME`` where the version is unknown; tools/misc/node_packages/h200.txt: the
project's GPU node) leaves out what the node has in a version that fits every requirement
on it (an unknown version fits a requirement without specifier; for one with a specifier
the kit carries a wheel, which pip on the node takes only if the node's misses), and
``--mmcv-wheel WHEEL`` adds an mmcv with ops built for the node's torch
(tools/misc/build_mmcv_cuda.sh): a kit of what the node lacks. Where the node's package
cannot serve, the kit carries its own, and install.sh's venv does not see the node's
(tools/misc/node_site.py: ``hidden_from_the_venv`` in wheelhouse.json, and what the venv
holds its own version of):

- transformers, always: with it (>= 4.28) and pycocotools, ``import mmpretrain.models``
  imports its multimodal models, whose blip2/Qformer.py imports
  ``transformers.modeling_utils.apply_chunking_to_forward``, gone in transformers 5;
- a version that misses a requirement, e.g. setuptools >= 81 (no pkg_resources, which
  mmengine and mmcv import): the kit's setuptools<81 is used instead;
- opencv-python-headless on the node: mmcv asks for opencv-python by name (75 MiB, the
  same cv2), so the kit gets a wheel of metadata only, ``opencv-python-<v>+alias``,
  that requires the node's headless build.

How: ``pip install --dry-run --report`` resolves the stack for the target Python and
platform from the index's metadata (PEP 658, so torch's ~1 GB wheels are never
downloaded); the packages reachable without going through torch/torchvision are then
downloaded with ``pip download --no-deps``, each from the URL and hash pip resolved.
Needs pip >= 22.2 (``--dry-run --report``), e.g. .venv's.
"""
import argparse
import base64
import glob
import hashlib
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
import zipfile

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMCV = '2.1.0'
NODE_OWN = {'torch', 'torchvision'}  # never collected: the node's own build is used
# Never taken from the node (module docstring): the venv does not see them.
HIDDEN = {'transformers'}
# name the stack asks for -> node distributions that provide its module under another name
SAME_MODULE = {'opencv-python': ['opencv-python-headless', 'opencv-contrib-python',
                                 'opencv-contrib-python-headless']}
# tools/misc/install.sh installs these besides requirements.txt (ninja/wheel: the ops build).
BUILD_TOOLS = ['wheel', 'ninja']
# mmcv's setup.py imports pkg_resources, which setuptools 81 removed.
BUILD_CONSTRAINTS = 'setuptools<81\n'


def normalize(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def requirement_name(line):
    return normalize(re.match(r'\s*([A-Za-z0-9._-]+)', line).group(1))


def pip(*args, env=None):
    """Run pip; its output (a build backend's pages of warnings) only if it fails."""
    cmd = [sys.executable, '-m', 'pip', *args]
    print('+', ' '.join(cmd[:4]), '...' if len(cmd) > 12 else ' '.join(cmd[4:]), flush=True)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(proc.stdout + proc.stderr + f'ERROR: pip failed (exit {proc.returncode})')


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


def read_node_packages(path):
    """{name: Version, or None where the file gives the name alone}."""
    node = {}
    for number, line in enumerate(open(path), 1):
        line = line.split('#')[0].strip()
        if not line:
            continue
        match = re.fullmatch(r'([A-Za-z0-9._-]+)\s*(?:==\s*(\S+))?', line)
        if not match:
            sys.exit(f'ERROR: {path}:{number}: "{line}" is not NAME==VERSION or NAME '
                     '(the form of pip freeze)')
        node[normalize(match[1])] = Version(match[2]) if match[2] else None
    return node


def select(report, roots, node, environment):
    """Walk the resolved packages from roots, with markers evaluated for the target and
    without passing through torch/torchvision (so not torch's nvidia-*, triton, ...
    unless something else needs them). A package the node has, in a version that fits
    the requirement, ends the walk there. Returns the report's items to download, the
    node packages they replace, the alias wheels to make {name: node's distribution},
    and the node packages of unknown version that a requirement's specifier could miss
    {name: {specifiers}} (collected too: pip on the node uses the node's if it fits)."""
    by_name = {normalize(item['metadata']['name']): item for item in report['install']}
    collect, replaced, aliases, assumed = set(), set(), {}, {}
    seen, todo = set(), [(Requirement(r), '') for r in roots]
    while todo:
        req, parent_extra = todo.pop()
        name = normalize(req.name)
        if name in NODE_OWN or req.marker and not req.marker.evaluate(
                dict(environment, extra=parent_extra)):
            continue
        if name in node and name not in HIDDEN:
            version = node[name]
            if not str(req.specifier) or version is not None and req.specifier.contains(
                    version, prereleases=True):
                continue  # the node's fits
            if version is None:  # carried too: pip on the node takes it if the node's misses
                assumed.setdefault(name, set()).add(str(req.specifier))
            else:
                replaced.add(name)
        provider = next((p for p in SAME_MODULE.get(name, []) if p in node), None)
        if provider and name not in node:
            aliases[name] = provider
            continue
        for extra in ['', *sorted(req.extras)]:
            if (name, extra) in seen or name not in by_name:
                continue  # not in by_name: a dependency only for another Python/platform
            seen.add((name, extra))
            collect.add(name)
            todo += [(Requirement(dep), extra)
                     for dep in by_name[name]['metadata'].get('requires_dist', [])]
    return [by_name[n] for n in sorted(collect)], replaced, aliases, assumed


def build_alias_wheel(out, name, version, provider):
    """A wheel of metadata only: distribution `name` at `version`, requiring `provider`
    (the node's, same module), so that pip counts the node's provider as `name`."""
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        f'{dist}.dist-info/METADATA': f'Metadata-Version: 2.1\nName: {name}\n'
        f'Version: {version}\nSummary: stands for {provider}, the same module\n'
        f'Requires-Dist: {provider}\n',
        f'{dist}.dist-info/WHEEL': 'Wheel-Version: 1.0\nGenerator: make_wheelhouse.py\n'
        'Root-Is-Purelib: true\nTag: py3-none-any\n'}
    record = ''
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
        record += f'{path},sha256={digest.decode().rstrip("=")},{len(text.encode())}\n'
    files[f'{dist}.dist-info/RECORD'] = record + f'{dist}.dist-info/RECORD,,\n'
    with zipfile.ZipFile(osp.join(out, f'{dist}-py3-none-any.whl'), 'w') as whl:
        for path, text in files.items():
            whl.writestr(path, text)


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


def add_ops_wheel(out, wheel, pytag, node):
    """Put an mmcv wheel with ops built for the node's torch where install.sh looks for
    it: mmcv/mmcv-<v>-torch<the node file's torch version>-<pytag>-<cuda|cpu>/."""
    name = osp.basename(wheel)
    if not re.fullmatch(rf'mmcv-{re.escape(MMCV)}-{pytag}-{pytag}-linux_\w+\.whl', name):
        sys.exit(f'ERROR: --mmcv-wheel {wheel}: not an mmcv {MMCV} wheel for {pytag} on '
                 f'Linux (mmcv-{MMCV}-{pytag}-{pytag}-linux_<arch>.whl)')
    if node.get('torch') is None:
        sys.exit('ERROR: --mmcv-wheel needs --node-packages FILE with a line torch==VERSION, '
                 "the node's torch.__version__ (e.g. 2.11.0+cu130): install.sh takes the "
                 'wheel only for that torch')
    with zipfile.ZipFile(wheel) as whl:
        ext = [n for n in whl.namelist() if re.fullmatch(r'mmcv/_ext\.[^/]+\.so', n)]
        if not ext:
            sys.exit(f'ERROR: {wheel} has no compiled ops (mmcv/_ext*.so): build one with '
                     'tools/misc/build_mmcv_cuda.sh')
        device = 'cuda' if b'libcudart' in whl.read(ext[0]) else 'cpu'
    key = f"mmcv-{MMCV}-torch{node['torch']}-{pytag}-{device}"
    os.makedirs(osp.join(out, 'mmcv', key), exist_ok=True)
    shutil.copy2(wheel, osp.join(out, 'mmcv', key, name))
    return key


def target_environment(python_version, arch):
    """The marker environment of CPython python_version on Linux."""
    return dict(default_environment(), python_version=python_version,
                python_full_version=python_version + '.0', implementation_name='cpython',
                platform_python_implementation='CPython', sys_platform='linux',
                platform_system='Linux', os_name='posix', platform_machine=arch)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('dir', help='the wheelhouse folder (created, or added to)')
    parser.add_argument('--python-version', default='%d.%d' % sys.version_info[:2],
                        help="the node's Python, e.g. 3.12 (default: this one's)")
    parser.add_argument('--glibc', default='2.28',
                        help="the node's glibc at least (default 2.28, the floor of "
                             "torch's own wheels, so any node that runs pip's torch)")
    parser.add_argument('--arch', default=platform.machine(), help='default: this machine')
    parser.add_argument('--node-packages', metavar='FILE',
                        help="the node's packages, NAME==VERSION a line (pip freeze): "
                             'those that fit are left to the node')
    parser.add_argument('--mmcv-wheel', metavar='WHEEL',
                        help="an mmcv wheel with ops built for the node's torch "
                             '(tools/misc/build_mmcv_cuda.sh); needs --node-packages')
    args = parser.parse_args()
    out = osp.abspath(args.dir)
    os.makedirs(out, exist_ok=True)
    pytag = 'cp' + args.python_version.replace('.', '')
    options, platforms = target_options(args.python_version, args.glibc, args.arch)
    roots = stack_roots()
    node = read_node_packages(args.node_packages) if args.node_packages else {}

    with tempfile.TemporaryDirectory() as tmp:
        # pip >= 25.3 takes build constraints from --build-constraint, older from -c
        constraints = osp.join(tmp, 'c.txt')
        open(constraints, 'w').write(BUILD_CONSTRAINTS)
        env = dict(os.environ, MMCV_WITH_OPS='0', PIP_CONSTRAINT=constraints,
                   PIP_BUILD_CONSTRAINT=constraints)
        print(f'==> resolving requirements.txt for Python {args.python_version}, '
              f'{platforms[0]} (metadata only)', flush=True)
        report = osp.join(tmp, 'report.json')
        pip('install', '--quiet', '--dry-run', '--ignore-installed', '--report', report,
            '--target', osp.join(tmp, 'target'), *options, *roots)
        report = json.load(open(report))
        keep, replaced, aliases, assumed = select(
            report, roots, node, target_environment(args.python_version, args.arch))
        print(f'==> downloading {len(keep)} wheels; left to the node: torch, torchvision'
              + (f' and what fits of {args.node_packages}' if node else ''), flush=True)
        if replaced:
            print("    the node's version misses a requirement (the venv gets this kit's): "
                  + ', '.join(sorted(replaced)))
        if assumed:
            print(f'    version unknown in {args.node_packages}, carried in case: ' + ', '.join(
                f"{n} ({' '.join(sorted(s))})" for n, s in sorted(assumed.items())))
        urls = []
        for item in keep:
            info = item['download_info']
            sha = info.get('archive_info', {}).get('hashes', {}).get('sha256')
            urls.append(info['url'] + (f'#sha256={sha}' if sha else ''))
        pip('download', '--quiet', '--no-deps', *options, '-d', out, *urls)
        resolved = {normalize(i['metadata']['name']): i['metadata']['version']
                    for i in report['install']}
        for name, provider in aliases.items():
            version = node[provider] or resolved[name]
            print(f'    {name} stands for the node\'s {provider}: {name}-{version}+alias')
            build_alias_wheel(out, name, f'{version}+alias', provider)
        build_pure_mmcv(out, tmp, env)
    keys = copy_ops_wheels(out, pytag)
    if args.mmcv_wheel:
        keys.append(add_ops_wheel(out, args.mmcv_wheel, pytag, node))

    # One folder can serve several Pythons: a run for another version adds to it.
    manifest = osp.join(out, 'wheelhouse.json')
    old = json.load(open(manifest)) if osp.exists(manifest) else {}
    versions = sorted(set(old.get('python_versions', [])) | {args.python_version})
    hidden = set(old.get('hidden_from_the_venv', [])) | HIDDEN | replaced
    json.dump({'python_versions': versions, 'platform': f'{platforms[0]} and older',
               'mmcv_ops_wheels': sorted(set(old.get('mmcv_ops_wheels', [])) | set(keys)),
               'left_to_the_node': sorted(NODE_OWN),
               'node_packages': args.node_packages or old.get('node_packages'),
               'hidden_from_the_venv': sorted(hidden)}, open(manifest, 'w'), indent=1)
    files = [osp.join(d, f) for d, _, fs in os.walk(out) for f in fs]
    wheels = [f for f in files if f.endswith('.whl')]
    size = sum(osp.getsize(f) for f in files) / 2**20
    largest = sorted(files, key=osp.getsize)[-4:][::-1]
    print(f'OK: {len(wheels)} wheels, {size:.1f} MiB in {out} (largest: ' + ', '.join(
        f'{osp.basename(f)} {osp.getsize(f) / 2**20:.1f}' for f in largest) + ')')
    print('mmcv with ops: ' + (', '.join(f'mmcv/{k}' for k in keys) if keys else
          f'none for {pytag} (the node builds it from mmcv/mmcv-{MMCV}.tar.gz: needs g++)'))


if __name__ == '__main__':
    main()
