"""Every command in README.md and docs/*.md works, and every README python snippet runs.

Training and testing commands on concrete configs are run here, on generated data with
a few iterations; commands with placeholders (CONFIG, CHECKPOINT, ...) and the other
tools must name real scripts and flags and be run by some other test or the demo.
"""
import glob
import os
import os.path as osp
import re
import shlex

import pytest
from conftest import ROOT, data_options, run_tool

DOCS = ['README.md', *sorted(glob.glob(osp.join(ROOT, 'docs', '*.md')))]
PLACEHOLDER = re.compile(r'\b[A-Z]{3,}\b|<[^>]+>|\.\.\.|path/to')
SKIPPED = ('source ', 'cd ', 'pip ', 'export ')
# Budget and final checkpoint per kind of config: a few iterations on the scenes.
BUDGET = {
    'pretrain': (['train_cfg.max_epochs=1', 'train_dataloader.batch_size=4',
                  'train_dataloader.dataset.indices=8'], 'epoch_1.pth'),
    'det': (['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
             'train_dataloader.dataset.indices=4'], 'epoch_1.pth'),
    'seg': (['train_cfg.max_iters=2', 'train_cfg.val_interval=2'], 'iter_2.pth'),
}


def doc_commands():
    """(file, command) for each line of each ```bash block, continuations joined."""
    found = []
    for doc in DOCS:
        text = open(osp.join(ROOT, doc)).read()
        for block in re.findall(r'```bash\n(.*?)```', text, re.S):
            for line in block.replace('\\\n', ' ').splitlines():
                line = re.sub(r'\s+#.*$', '', line).strip()
                if line and not line.startswith(SKIPPED):
                    found.append((osp.relpath(osp.join(ROOT, doc), ROOT), line))
    return found


def kind_of(config_or_run):
    """'pretrain', 'det' or 'seg' from a config path or a work_dirs run name."""
    stem = config_or_run.rsplit('/', 1)[-1]
    return ('pretrain' if stem.startswith(('splitmask', 'beit')) else 'det'
            if stem.startswith('mask-rcnn') else 'seg')


def final_checkpoint(match):
    """work_dirs/<run>/epoch_60.pth -> the checkpoint the shortened run ends with."""
    run = match.group(1)
    return f'work_dirs/{run}/{BUDGET[kind_of(run)][1]}'


def split_command(command):
    """(script, args) with leading VAR=value and the interpreter dropped."""
    words = [w for w in shlex.split(command) if not re.match(r'^[A-Z_]+=', w)]
    if words[0] in ('python', 'bash', '.venv/bin/python'):
        words = words[1:]
    return words[0], words[1:]


def is_runnable(command):
    script, _ = split_command(command)
    return script in ('tools/train.py', 'tools/test.py') and not PLACEHOLDER.search(command)


COMMANDS = doc_commands()
RUNNABLE = sorted({c for _, c in COMMANDS if is_runnable(c)},
                  # pre-training first, then training, then testing
                  key=lambda c: (kind_of(split_command(c)[1][0]) != 'pretrain',
                                 'tools/test.py' in c))


def test_docs_have_commands():
    assert len(RUNNABLE) >= 4 and any('make test' in c for _, c in COMMANDS)


@pytest.mark.parametrize('doc,command', [c for c in COMMANDS if not is_runnable(c[1])])
def test_other_commands_name_real_scripts_flags_and_a_test(doc, command):
    script, args = split_command(command)
    if script == 'make':
        assert re.search(rf'^{args[0]}:', open(osp.join(ROOT, 'Makefile')).read(), re.M)
        return
    path = osp.join(ROOT, script)
    assert osp.isfile(path), f'{doc}: {command}: no such script {script}'
    source = open(path).read()
    if 'from _common import' in source:  # the tools' shared arguments
        source += open(osp.join(ROOT, 'tools', '_common.py')).read()
    for flag in (a.split('=')[0] for a in args if a.startswith('--')):
        assert flag in source, f'{doc}: {command}: {script} has no {flag}'
    for config in (a for a in args if a.startswith('configs/')):
        assert osp.isfile(osp.join(ROOT, config)), f'{doc}: {command}: no {config}'
    users = [f for f in glob.glob(osp.join(ROOT, 'tests', 'test_*.py')) + [
        osp.join(ROOT, 'tools', 'demo.py')] if script in open(f).read()
        and not f.endswith('test_docs_commands.py')]
    assert users, f'{doc}: {command}: no test or demo step runs {script}'


@pytest.fixture(scope='module')
def ran_commands(scenes, tmp_path_factory):
    """Each concrete train/test command, in order, with its data, work dir and budget:
    the work_dirs folder and (script, kind, command, log) of each run."""
    work_dirs = str(tmp_path_factory.mktemp('docs') / 'work_dirs')
    runs = []
    for command in RUNNABLE:
        script, args = split_command(command)
        config = args[0]
        kind = kind_of(config)
        options = BUDGET[kind][0]
        args = [re.sub(r'work_dirs/([^/]+)/(epoch|iter)_\d+\.pth', final_checkpoint,
                       a).replace('work_dirs/', work_dirs + '/') for a in args]
        extra = (data_options(scenes, kind) if kind != 'pretrain' else [
            f'train_dataloader.dataset.data_root={scenes}/pretrain',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False'])
        if script == 'tools/train.py':
            extra += options
            pretrained = (f'{work_dirs}/splitmask_vit-tiny-p16_1xb32-coslr-60e_my-images/'
                          f'{BUDGET["pretrain"][1]}')
            if kind != 'pretrain' and 'init_cfg.checkpoint' not in command:
                extra.append(f'model.backbone.init_cfg.checkpoint={pretrained}')
        # the budget goes last, after the command's own options, so that it wins
        if '--cfg-options' not in args:
            args.append('--cfg-options')
        assert not any(a.startswith('--') for a in args[args.index('--cfg-options') + 1:])
        args += extra
        stem = osp.splitext(osp.basename(config))[0]
        if '--work-dir' not in args:
            args = args[:1] + ['--work-dir', f'{work_dirs}/{stem}'] + args[1:]
        _, log = run_tool(script, *args)
        runs.append((script, kind, command, log))
    return work_dirs, runs


def test_runnable_commands_run(ran_commands):
    for script, kind, command, log in ran_commands[1]:
        assert {'pretrain': 'loss_mim', 'det': 'coco/segm_mAP', 'seg': 'mIoU'}[kind] in log
        if script == 'tools/train.py' and kind != 'pretrain':
            assert re.search(r'Loaded \d+ tensors into SplitMaskViT from .*my-images', log)


SNIPPETS = re.findall(r'```python\n(.*?)```', open(osp.join(ROOT, 'README.md')).read(), re.S)


def save_model_as_built(config, checkpoint):
    """A checkpoint of the config's model as built, in the format tools/train.py writes:
    for snippets whose config no README command trains (the ViT-B classifiers)."""
    import torch
    from mmpretrain.apis import get_model
    os.makedirs(osp.dirname(checkpoint), exist_ok=True)
    torch.save({'meta': {}, 'state_dict': get_model(config).state_dict()}, checkpoint)


def test_readme_python_snippets_run(ran_commands, scenes, tmp_path):
    """Each ```python block of README.md as a script in a fresh process (its own folder),
    on the checkpoints the commands above trained (paths rewritten as for the commands)
    and a generated scene for any .jpg it names; a ``print(...)  # torch.Size(...)``
    line must print that size."""
    work_dirs = ran_commands[0]
    image = sorted(glob.glob(osp.join(scenes, 'images', 'val', '*.jpg')))[0]
    assert len(SNIPPETS) >= 4
    for i, block in enumerate(SNIPPETS):
        code = re.sub(r"'configs/", f"'{ROOT}/configs/", block)
        code = re.sub(r"'[^']*\.jpg'", repr(image), code)
        for found in re.finditer(r"'work_dirs/([^/']+)/(?:epoch|iter)_\d+\.pth'", block):
            if osp.isdir(f'{work_dirs}/{found.group(1)}'):  # trained by a command above
                checkpoint = f"{work_dirs}/{final_checkpoint(found)[len('work_dirs/'):]}"
            else:
                checkpoint = f'{work_dirs}/{found.group(1)}/as_built.pth'
                config = re.search(r"'(configs/[^']+\.py)'", block).group(1)
                save_model_as_built(osp.join(ROOT, config), checkpoint)
            code = code.replace(found.group(0), repr(checkpoint))
        folder = tmp_path / f'snippet_{i}'
        folder.mkdir()
        (folder / 'snippet.py').write_text(code)
        rc, out = run_tool(str(folder / 'snippet.py'), cwd=folder, check=False)
        assert rc == 0, f'README snippet failed:\n{block}\n{out[-4000:]}'
        for size in re.findall(r'print\(.*\)\s+# (torch\.Size\(\[[\d, ]+\]\))', block):
            assert size in out, f'README snippet did not print {size}:\n{block}\n{out[-2000:]}'


def test_docs_config_blocks_are_the_shipped_files():
    """The configs shown in docs/new_dataset.md are the tested files, line for line."""
    text = open(osp.join(ROOT, 'docs', 'new_dataset.md')).read()
    blocks = re.findall(r'```python\n(.*?)```', text, re.S)
    assert len(blocks) == 3
    for block in blocks:
        base = re.search(r"_base_ = '\./(.*?)'", block).group(1)
        matches = []
        for path in glob.glob(osp.join(ROOT, 'configs', '*', '*.py')):
            code = [ln.split('  #')[0].rstrip() for ln in open(path).read().splitlines()
                    if ln.strip() and not ln.startswith('#')]
            if base in open(path).read() and code == [
                    ln.split('  #')[0].rstrip() for ln in block.splitlines() if ln.strip()]:
                matches.append(path)
        assert matches, f'no shipped config equals this docs block:\n{block}'
