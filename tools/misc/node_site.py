"""Let a venv see the packages of the Python that runs this (the node's), but some.

Usage, with the node's Python: ``python node_site.py VENV_SITE_PACKAGES [NAME ...]``.

Makes VENV_SITE_PACKAGES/../node-site/<i>/ for each site-packages folder of this Python,
a link to every entry of it except those of the distributions NAME and of the
distributions the venv holds itself (its own version wins: e.g. setuptools<81 over the
node's), and _node_site_packages.pth, which adds these folders to the venv's sys.path
after its own, as ``--system-site-packages`` would (which misses the packages of a Python
that is itself a venv, as the GPU node's /opt/torch/.venv is). Run again, it remakes
them: tools/misc/install.sh runs it once before installing, once after.
"""
import os
import os.path as osp
import re
import shutil
import sys
from importlib import metadata


def normalize(name):
    # as make_wheelhouse.normalize, which this cannot import: it runs in the node's Python
    # before anything is installed, and make_wheelhouse needs packaging
    return re.sub(r'[-_.]+', '-', name or '').lower()


def top_entries(dist):
    """The entries of its site-packages folder that a distribution installed."""
    return {str(f).split('/')[0] for f in dist.files or []} - {'..', '__pycache__'}


def main():
    venv_site, names = sys.argv[1], {normalize(n) for n in sys.argv[2:]}
    own = {normalize(d.metadata['Name']) for d in metadata.distributions(path=[venv_site])}
    view = osp.join(osp.dirname(venv_site), 'node-site')
    shutil.rmtree(view, ignore_errors=True)
    lines, hidden = [], set()
    sites = [p for p in dict.fromkeys(sys.path)
             if p.endswith(('site-packages', 'dist-packages')) and osp.isdir(p)
             and osp.realpath(p) != osp.realpath(venv_site)]
    for i, site in enumerate(sites):
        drop, keep = set(), set()
        for dist in metadata.distributions(path=[site]):
            name = normalize(dist.metadata['Name'])
            hide = name in names or name in own
            (drop if hide else keep).update(top_entries(dist))
            if hide:
                hidden.add(name)
        folder = osp.join(view, str(i))
        os.makedirs(folder)
        for entry in sorted(set(os.listdir(site)) - (drop - keep) - {'__pycache__'}):
            os.symlink(osp.join(site, entry), osp.join(folder, entry))
        lines.append(f'import site; site.addsitedir({folder!r})\n')
    with open(osp.join(venv_site, '_node_site_packages.pth'), 'w') as pth:
        pth.writelines(lines)
    print(f"the venv sees the packages of {', '.join(sites) or 'no folder'} except "
          f"{', '.join(sorted(hidden)) or 'nothing'}")


if __name__ == '__main__':
    main()
