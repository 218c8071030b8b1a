"""tools/ is laid out by job, as the OpenMMLab toolboxes do: entry points at the top,
one folder per kind of tool that says what each of its tools is for, and no path to a
tool anywhere in the repository that does not exist."""
import ast
import glob
import os.path as osp
import re
import subprocess

from conftest import ROOT

ENTRY_POINTS = {'train.py', 'test.py', 'demo.py', '_common.py', 'dist_train.sh',
                'dist_test.sh', 'slurm_train.sh', 'slurm_test.sh'}
FOLDERS = {'analysis_tools', 'benchmarks', 'dataset_tools', 'misc', 'model_converters',
           'study'}


def test_top_level_holds_only_entry_points_and_folders_by_job():
    top = {osp.basename(p) for p in glob.glob(osp.join(ROOT, 'tools', '*'))
           if osp.isfile(p)}
    folders = {osp.basename(p) for p in glob.glob(osp.join(ROOT, 'tools', '*'))
               if osp.isdir(p) and not p.endswith('__pycache__')}
    assert top == ENTRY_POINTS and folders == FOLDERS


def test_each_folder_says_what_each_of_its_tools_is_for():
    for folder in FOLDERS:
        path = osp.join(ROOT, 'tools', folder)
        doc = ast.get_docstring(ast.parse(open(osp.join(path, '__init__.py')).read()))
        for tool in glob.glob(osp.join(path, '*.py')) + glob.glob(osp.join(path, '*.sh')):
            name = osp.basename(tool)
            if name != '__init__.py':
                assert name in doc, f'tools/{folder}/__init__.py does not mention {name}'


def test_no_path_to_a_tool_that_does_not_exist():
    tracked = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    missing = set()
    for name in tracked:
        if not name.endswith(('.md', '.py', '.sh', 'Makefile')) or not osp.isfile(
                osp.join(ROOT, name)):
            continue
        for path in re.findall(r'(?<![\w/.])tools/[\w/]+\.(?:py|sh)\b',
                               open(osp.join(ROOT, name)).read()):
            if not osp.isfile(osp.join(ROOT, path)):
                missing.add(f'{name}: {path}')
    assert not missing, sorted(missing)
