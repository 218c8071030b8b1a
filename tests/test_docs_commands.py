"""Every command in README.md and docs/*.md works, every README figure has its command,
and every relative link in the docs resolves.

Each README command either runs here or is listed in TEXT_ONLY with the reason it does
not. Run here: training and testing commands on concrete configs (on generated data,
a few iterations) and the small-scale study's report commands (on its stored results,
whose tables must hold the README's figures). The other commands, and those of
docs/*.md, are checked as text: a real script, its flags (whole), real configs, and a
test or the demo that runs the script. ``python tests/test_docs_commands.py`` lists
which lines run and which are only checked as text.
"""
import glob
import os
import os.path as osp
import re
import shlex
import shutil
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from conftest import ROOT, data_options, run_tool  # noqa: E402

DOCS = ['README.md', *sorted(osp.relpath(p, ROOT) for p in glob.glob(
    osp.join(ROOT, 'docs', '*.md'))), *sorted(osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'configs', '*', 'README.md')))]
PLACEHOLDER = re.compile(r'\b[A-Z]{3,}\b|<[^>]+>|\.\.\.|path/to')
SKIPPED = ('source ', 'cd ', 'pip ', 'export ')
# README commands that are not run by this file, and why.
TEXT_ONLY = {
    'make demo': 'the whole demo, about 10-12 minutes on 2 cores, run by hand: docs/demo.md '
                 'records what its steps printed; its probe, table and picture steps are '
                 'run by tests/test_probe.py and tests/test_visualize.py',
    'make test': 'the suite this file belongs to (.ci/run runs it)',
    'bash tools/dist_train.sh CONFIG 8': 'placeholder config, 8 GPUs; '
                                         'tests/test_pretrain_e2e.py runs dist_train.sh '
                                         'with 2 CPU processes',
    'NNODES=2 NODE_RANK=0 MASTER_ADDR=node0 bash tools/dist_train.sh CONFIG 8':
        'two nodes; tests/test_pretrain_e2e.py runs the single-node launch',
    'GPUS=16 bash tools/slurm_train.sh PARTITION JOB CONFIG':
        'needs Slurm; tests/test_pretrain_e2e.py runs it through a stand-in srun',
    '.venv/bin/python tools/benchmarks/gpu_check.py --sizes full --work-dir work_dirs/gpu_check':
        'needs a GPU; tests/test_gpu_check.py runs the same steps with --sizes small on CPU',
}
# Documents other work adds next to this one; checked like the rest once they exist.
LINKS_ADDED_ELSEWHERE = {'docs/gpu_node.md', 'configs/vitdet/README.md'}
# Budget and final checkpoint per kind of config: a few iterations on the scenes.
BUDGET = {
    'pretrain': (['train_cfg.max_epochs=1', 'train_dataloader.batch_size=4',
                  'train_dataloader.dataset.indices=8'], 'epoch_1.pth'),
    'det': (['train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
             'train_dataloader.dataset.indices=4'], 'epoch_1.pth'),
    'seg': (['train_cfg.max_iters=2', 'train_cfg.val_interval=2'], 'iter_2.pth'),
}
STUDY = 'tools/study/small_scale_study.py'


def doc_commands():
    """(doc, line number, command) for each command of each ```bash block: backslash
    continuations joined, comments and repeated spaces dropped."""
    found = []
    for doc in DOCS:
        text = open(osp.join(ROOT, doc)).read()
        for block in re.finditer(r'```bash\n(.*?)```', text, re.S):
            first = text.count('\n', 0, block.start(1)) + 1
            command, start = '', None
            for number, raw in enumerate(block.group(1).splitlines(), first):
                command += ' ' + re.sub(r'\s+#.*$', '', raw).rstrip().rstrip('\\')
                start = start or number
                if raw.rstrip().endswith('\\'):
                    continue
                command = ' '.join(command.split())
                if command and not command.startswith(SKIPPED):
                    found.append((doc, start, command))
                command, start = '', None
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
    if words[:2] == ['-m', 'pytest']:  # the test file is the script; pytest's flags are not its
        return next(w for w in words if w.startswith('tests/')), []
    return words[0], words[1:]


def is_train_or_test(command):
    script, _ = split_command(command)
    return script in ('tools/train.py', 'tools/test.py') and not PLACEHOLDER.search(command)


def is_study_report(command):
    """The study's report rebuilt from the results stored under docs/."""
    script, args = split_command(command)
    return (script == STUDY and '--steps' in args and '--work-dir' in args
            and args[args.index('--steps') + 1:][:1] == ['report']
            and args[args.index('--steps') + 2:][:1] in ([], ['--report-tag'])
            and args[args.index('--work-dir') + 1].startswith('docs/small_scale_study/'))


def how_checked(doc, command):
    """'runs', or 'text: <reason>'."""
    if is_train_or_test(command) or is_study_report(command):
        return 'runs'
    if doc == 'README.md':
        return f'text: {TEXT_ONLY.get(command, "NO REASON GIVEN")}'
    if command.startswith('make '):
        return 'text: a target of the Makefile'
    return 'text: script, whole flags, configs and a test that runs the script checked'


COMMANDS = doc_commands()
RUNNABLE = sorted({c for _, _, c in COMMANDS if is_train_or_test(c)},
                  # pre-training first, then training, then testing
                  key=lambda c: (kind_of(split_command(c)[1][0]) != 'pretrain',
                                 'tools/test.py' in c))
README_FIGURES = re.compile(r'\d+\.\d ± \d+\.\d')


def test_docs_have_commands():
    assert len(RUNNABLE) >= 4 and any('make test' in c for _, _, c in COMMANDS)


def test_each_readme_command_runs_or_says_why_not():
    readme = [c for doc, _, c in COMMANDS if doc == 'README.md']
    unexplained = [c for c in readme if how_checked('README.md', c).endswith('GIVEN')]
    assert not unexplained, f'README commands neither run nor in TEXT_ONLY: {unexplained}'
    stale = set(TEXT_ONLY) - set(readme)
    assert not stale, f'TEXT_ONLY names commands README no longer has: {stale}'
    assert set(TEXT_ONLY).isdisjoint(c for c in readme if how_checked('README.md', c) == 'runs')


def script_sources(script):
    """The text a command's flags must appear in: the script, the tools' shared arguments
    it imports, and for a launcher script the Python tool it launches."""
    source = open(osp.join(ROOT, script)).read()
    if 'from _common import' in source:
        source += open(osp.join(ROOT, 'tools', '_common.py')).read()
    if script.endswith('.sh'):
        for launched in set(re.findall(r'/((?:\w+/)?\w+\.py)"', source)):
            path = osp.join(ROOT, 'tools', launched)  # not a file it builds (setup.py)
            source += open(path).read() if osp.isfile(path) else ''
    return source


def flags_of(args):
    """Each --flag of a command, as a whole word (also inside [--optional] brackets)."""
    return [m.group(1) for a in args for m in [re.match(r'\[?(--[\w-]+)', a)] if m]


def has_flag(source, flag):
    """The flag as a whole string literal, as argparse declares it: --out does not pass
    because --out-dir exists, nor because a docstring's usage line shows it."""
    return re.search(rf"""(['"]){re.escape(flag)}\1""", source) is not None


def test_flags_are_matched_whole():
    source = "parser.add_argument('--out-dir')\nparser.add_argument('--work-dir')"
    assert not has_flag(source, '--out') and has_flag(source, '--out-dir')
    assert flags_of(['[--work-dir', 'DIR]', '--cfg-options', 'a=1', 'x']) == [
        '--work-dir', '--cfg-options']


TEXT_CHECKED = [c for c in COMMANDS if how_checked(c[0], c[2]) != 'runs']


@pytest.mark.parametrize('doc,number,command', TEXT_CHECKED,
                         ids=[f'{doc}:{number}' for doc, number, _ in TEXT_CHECKED])
def test_other_commands_name_real_scripts_flags_and_a_test(doc, number, command):
    where = f'{doc}:{number}: {command}'
    script, args = split_command(command)
    if script == 'make':
        assert re.search(rf'^{args[0]}:', open(osp.join(ROOT, 'Makefile')).read(), re.M)
        return
    path = osp.join(ROOT, script)
    assert osp.isfile(path), f'{where}: no such script {script}'
    if script.startswith('tests/'):
        return  # a test file runs itself in make test
    source = script_sources(script)
    for flag in flags_of(args):
        assert has_flag(source, flag), f'{where}: {script} has no {flag}'
    for config in (a for a in args if a.startswith('configs/')):
        assert osp.isfile(osp.join(ROOT, config)), f'{where}: no {config}'
    users = [f for f in glob.glob(osp.join(ROOT, 'tests', 'test_*.py')) + [
        osp.join(ROOT, 'tools', 'demo.py')] if script in open(f).read()
        and not f.endswith('test_docs_commands.py')]
    assert users, f'{where}: no test or demo step runs {script}'


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
        if kind == 'pretrain' and '-iters_' in config:  # iteration-based: stop by iterations
            options = ['train_cfg.max_iters=2', *options[1:]]
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


def test_study_report_commands_rebuild_the_figures(tmp_path):
    """The README's study report commands, writing into a copy of the study report: the
    tables they print are the ones docs/small_scale_study.md holds, and they hold every
    mean ± std the README quotes."""
    commands = sorted({c for _, _, c in COMMANDS if is_study_report(c)})
    assert len([c for doc, _, c in COMMANDS if doc == 'README.md' and c in commands]) >= 2
    report = tmp_path / 'small_scale_study.md'
    shutil.copy(osp.join(ROOT, 'docs', 'small_scale_study.md'), report)
    printed = ''
    for command in commands:
        _, args = split_command(command)
        printed += run_tool(STUDY, *args, '--report', str(report))[1]
    pictures = r'!\[[^]]*\]\([^)]*\)\n'
    assert (re.sub(pictures, '', report.read_text()) == re.sub(
        pictures, '', open(osp.join(ROOT, 'docs', 'small_scale_study.md')).read())), \
        'docs/small_scale_study.md is not what its report commands write: rebuild it'
    rows = [ln for ln in open(osp.join(ROOT, 'README.md')).read().splitlines()
            if ln.startswith('| study:')]
    figures = [f for row in rows for f in README_FIGURES.findall(row)]
    assert len(rows) >= 3 and len(figures) >= 9
    for figure in figures:
        assert figure in printed, f'README quotes {figure}, which no study table prints'


SNIPPET_DOCS = ['README.md', 'docs/inference.md']


def snippets():
    return [block for doc in SNIPPET_DOCS for block in re.findall(
        r'```python\n(.*?)```', open(osp.join(ROOT, doc)).read(), re.S)]


def save_model_as_built(config, checkpoint):
    """A checkpoint of the config's model as built, in the format tools/train.py writes:
    for snippets whose config no README command trains (the ViT-B classifiers)."""
    import torch
    from mmpretrain.apis import get_model
    os.makedirs(osp.dirname(checkpoint), exist_ok=True)
    torch.save({'meta': {}, 'state_dict': get_model(config).state_dict()}, checkpoint)


def test_python_snippets_run(ran_commands, scenes, tmp_path):
    """Each ```python block of README.md and docs/inference.md as a script in a fresh
    process (its own folder), on the checkpoints the commands above trained (paths
    rewritten as for the commands) and a generated scene for any .jpg it names; a
    ``print(...)  # torch.Size(...)`` line must print that size."""
    work_dirs = ran_commands[0]
    image = sorted(glob.glob(osp.join(scenes, 'images', 'val', '*.jpg')))[0]
    blocks = snippets()
    assert len(blocks) >= 4
    for i, block in enumerate(blocks):
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
        assert rc == 0, f'snippet failed:\n{block}\n{out[-4000:]}'
        for size in re.findall(r'print\(.*\)\s+# (torch\.Size\(\[[\d, ]+\]\))', block):
            assert size in out, f'snippet did not print {size}:\n{block}\n{out[-2000:]}'


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


def relative_links(doc):
    """(target path from the repo root, anchor) of each relative markdown link in doc,
    outside code blocks."""
    text = re.sub(r'```.*?```', '', open(osp.join(ROOT, doc)).read(), flags=re.S)
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+:', target) or target.startswith('#'):
            continue
        path, _, anchor = target.partition('#')
        yield osp.normpath(osp.join(osp.dirname(doc), path)), anchor


def heading_anchors(doc):
    """GitHub's anchors of a markdown file's headings."""
    text = re.sub(r'```.*?```', '', open(osp.join(ROOT, doc)).read(), flags=re.S)
    return {re.sub(r'[^\w\- ]', '', h.strip().lower()).replace(' ', '-')
            for h in re.findall(r'^#+ (.*)$', text, re.M)}


def test_relative_links_resolve():
    broken = []
    for doc in DOCS:
        for path, anchor in relative_links(doc):
            if not osp.exists(osp.join(ROOT, path)):
                if path not in LINKS_ADDED_ELSEWHERE:
                    broken.append(f'{doc}: {path}')
            elif anchor and path.endswith('.md') and anchor not in heading_anchors(path):
                broken.append(f'{doc}: {path}#{anchor}')
    assert not broken, f'links to nothing: {broken}'


def test_docs_index_lists_every_doc():
    index = open(osp.join(ROOT, 'docs', 'README.md')).read()
    for doc in glob.glob(osp.join(ROOT, 'docs', '*.md')):
        name = osp.basename(doc)
        assert name == 'README.md' or f']({name})' in index, f'docs/README.md lacks {name}'


if __name__ == '__main__':
    for doc, number, command in COMMANDS:
        print(f'{doc}:{number}  {how_checked(doc, command)}\n    {command}')
