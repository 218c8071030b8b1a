"""Tables and curves of tools/study/small_scale_study.py, from its results/ JSON files alone.

Writes the part of the report between the markers below (the text around them is
kept) and pictures of the probe and pretext curves, and of UperNet's mIoU along its
fine-tuning schedules, next to the report.
"""
import glob
import json
import os.path as osp
import statistics

MARKERS = '<!-- study:{tag}:begin (tools/study/small_scale_study.py writes this part) -->', \
    '<!-- study:{tag}:end -->'


def load(folder):
    out = {}
    for path in sorted(glob.glob(osp.join(folder, '*.json'))):
        with open(path) as f:
            record = json.load(f)
        out.setdefault(osp.basename(path).rsplit('_seed', 1)[0], []).append(record)
    return out


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, 0
    std = statistics.stdev(values) if len(values) > 1 else float('nan')
    return statistics.fmean(values), std, len(values)


def fmt(values, scale=1.0):
    mean, std, n = mean_std([None if v is None else v * scale for v in values])
    if mean is None:
        return '-'
    return f'{mean:.1f} (n=1)' if n == 1 else f'{mean:.1f} ± {std:.1f} (n={n})'


MIN_SEEDS = 3  # the project's bar for saying one setting beats another


def verdict(values, reference):
    """'better' / 'worse' when the means differ by more than 2 pooled std, else 'same';
    no verdict below MIN_SEEDS seeds on either side."""
    (m, s, n), (rm, rs, rn) = mean_std(values), mean_std(reference)
    if m is None or rm is None or n < MIN_SEEDS or rn < MIN_SEEDS:
        return 'not enough seeds'
    pooled = ((s**2 + rs**2) / 2) ** 0.5
    diff = m - rm
    word = 'same' if abs(diff) <= 2 * pooled else ('better' if diff > 0 else 'worse')
    return f'{word} ({diff:+.1f}; 2 std = {2 * pooled:.1f})'


def tail_mean(curve, key, n=5):
    """Mean of the last ``n`` logged values of ``key`` (one batch each, so noisy)."""
    values = [r[key] for r in curve if key in r][-n:]
    return statistics.fmean(values) if values else None


def probe_at(curves, step):
    return [v for c in curves for r in c if r.get('step') == step
            for v in [r.get('probe/dense_miou')] if v is not None]


def final_probe_table(probe, pretrain, arms):
    random_probe = [r['dense_probe_miou'] for r in probe.get('random', [])]
    reference = [r['dense_probe_miou'] for r in probe.get('splitmask', [])]
    lines = ['### Dense linear probe after pre-training (frozen last block, 200 train / 200 '
             'val scenes, `tools/analysis_tools/probe.py`)', '',
             '| arm | what it tests | probe mIoU | vs random init | vs `splitmask` | '
             'loss_mim | acc_token (%) | acc_match (%) |', '|---|---|---|---|---|---|---|---|',
             f'| random init | no pre-training | {fmt(random_probe)} | | | | | |']
    for arm, (_, _, what) in arms.items():
        if arm not in probe:
            continue
        values = [r['dense_probe_miou'] for r in probe[arm]]
        curves = [r['curve'] for r in pretrain.get(arm, []) if r.get('complete', True)]
        keys = ('loss_mim', 'acc_token', 'acc_match') if arm != 'mae' else ('loss', )
        pretext = [fmt([tail_mean(c, k) for c in curves], 100 if k.startswith('acc') else 1)
                   for k in keys] + ['-'] * (3 - len(keys))
        lines.append(f'| `{arm}` | {what} | {fmt(values)} | {verdict(values, random_probe)} | '
                     f'{"" if arm == "splitmask" else verdict(values, reference)} | '
                     + ' | '.join(pretext) + ' |')
    return lines + ['', 'loss_mim, acc_token, acc_match: mean of the last 5 logged values '
                    '(each one batch); for `mae` the column holds its pixel loss.']


def budget_table(pretrain, arms):
    """The ProbeHook's mIoU at the same update in every arm, finished runs or not."""
    curves = {arm: [r['curve'] for r in runs] for arm, runs in pretrain.items()}
    steps = sorted({r['step'] for cs in curves.values() for c in cs for r in c
                    if 'probe/dense_miou' in r})
    if not steps:
        return []
    lines = ['### Dense probe during pre-training, at equal updates (`ProbeHook`: 100 train / '
             '100 val scenes)', '', '| arm | ' + ' | '.join(map(str, steps)) +
             ' | vs `splitmask` at the last update both reached |',
             '|---|' + '---|' * (len(steps) + 1)]
    for arm in [a for a in arms if a in curves]:
        cells = [fmt(probe_at(curves[arm], s)) for s in steps]
        shared = [s for s in steps if len(probe_at(curves[arm], s)) > 1
                  and len(probe_at(curves.get('splitmask', []), s)) > 1]
        vs = '' if arm == 'splitmask' or not shared else (
            f'{shared[-1]}: ' + verdict(probe_at(curves[arm], shared[-1]),
                                        probe_at(curves['splitmask'], shared[-1])))
        unfinished = sum(not r.get('complete', True) for r in pretrain[arm])
        lines.append(f'| `{arm}`' + (f' ({unfinished} cut short)' if unfinished else '') +
                     ' | ' + ' | '.join(cells) + f' | {vs} |')
    return lines


def finetune_groups(finetune):
    """Fine-tuning records grouped by recipe: (init, layer decay, lr, frozen, positions
    kept, labelled scenes, iterations); results written before lr was recorded used 1e-3."""
    groups = {}
    for records in finetune.values():
        for r in records:
            key = (r['arm'], r['layer_decay'], r.get('lr', 1e-3), r.get('frozen', False),
                   r.get('learned_pos', False), r.get('labels', 0), r['iters'])
            groups.setdefault(key, []).append(r)
    return groups


def describe(frozen, learned_pos, labels):
    return ('frozen' if frozen else 'fine-tuned') + (
        ', learned positions kept' if learned_pos else '') + (
        f', {labels} labelled scenes' if labels else '')


def finetune_table(finetune):
    """One row per recipe, compared with random init fine-tuned the same way (positions
    aside: random ones are random either way)."""
    groups = {key: [r['miou'] for r in records]
              for key, records in finetune_groups(finetune).items()}
    lines = ['### UperNet fine-tuning (mIoU on the 200 val scenes, equal budget; 200 '
             'labelled training scenes unless the encoder column says fewer)', '',
             '| init | encoder | layer decay | lr | iterations | mIoU | '
             'vs random init (same recipe) |',
             '|---|---|---|---|---|---|---|']
    order = lambda kv: (kv[0][6], kv[0][5], kv[0][3], -kv[0][1], -kv[0][2],
                        kv[0][0] != 'random', kv[0])
    for (arm, decay, lr, frozen, learned_pos, labels, iters), values in sorted(
            groups.items(), key=order):
        ref = groups.get(('random', decay, lr, frozen, False, labels, iters), [])
        lines.append(f'| {arm} | {describe(frozen, learned_pos, labels)} | {decay} | {lr:g} | '
                     f'{iters} | {fmt(values)} | '
                     f'{"" if arm == "random" else verdict(values, ref)} |')
    return lines


def curves_by_step(records):
    """{iteration: [mIoU of each seed]} of the validations along each run's schedule."""
    by_step = {}
    for r in records:
        for step, miou in r.get('curve', []):
            by_step.setdefault(step, []).append(miou)
    return by_step


def finetune_curve_table(finetune):
    """mIoU along the schedule, for the recipes whose every run was validated more than
    once (older runs were validated only at their end)."""
    groups = {key: curves_by_step(records) for key, records in finetune_groups(finetune).items()
              if all(len(r.get('curve', [])) > 1 for r in records)}
    if not groups:
        return [], groups
    steps = sorted({s for by_step in groups.values() for s in by_step})
    lines = ['### UperNet mIoU along one fine-tuning schedule (validations every 200 '
             'iterations; points of one schedule, not of shorter ones)', '',
             '| init | encoder | lr | ' + ' | '.join(map(str, steps)) + ' |',
             '|---|---|---|' + '---|' * len(steps)]
    for (arm, decay, lr, frozen, learned_pos, labels, iters), by_step in sorted(
            groups.items(), key=lambda kv: (kv[0][0] != 'random', kv[0])):
        lines.append(f'| {arm} | {describe(frozen, learned_pos, labels)}, {iters} iterations | '
                     f'{lr:g} | ' + ' | '.join(fmt(by_step.get(s, [])) for s in steps) + ' |')
    return lines, groups


def tables(results, arms):
    probe, pretrain = load(osp.join(results, 'probe')), load(osp.join(results, 'pretrain'))
    finetune = load(osp.join(results, 'finetune'))
    lines = final_probe_table(probe, pretrain, arms) + [''] + budget_table(pretrain, arms)
    curves = {}
    if finetune:
        curve_lines, curves = finetune_curve_table(finetune)
        lines += [''] + finetune_table(finetune) + ([''] + curve_lines if curve_lines else [])
    return lines, pretrain, curves


def plot(pretrain, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    keys = ['probe/dense_miou', 'loss_mim', 'acc_token', 'acc_match']
    colours = dict(zip(sorted(pretrain), plt.get_cmap('tab20').colors))  # one per arm
    fig, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys), 3.8))
    for ax, key in zip(axes, keys):
        for arm, runs in sorted(pretrain.items()):
            by_step = {}
            for run in runs:
                for r in run['curve']:
                    if key in r:
                        by_step.setdefault(r.get('iter', r.get('step')), []).append(r[key])
            if by_step:
                steps = sorted(by_step)
                ax.plot(steps, [statistics.fmean(by_step[s]) for s in steps], label=arm,
                        color=colours[arm], marker='o' if key.startswith('probe') else None,
                        markersize=3)
        ax.set_title(key + ' (mean over seeds)')
        ax.set_xlabel('update')
        ax.grid(alpha=0.3)
    handles = [plt.Line2D([], [], color=c, label=a) for a, c in colours.items()]
    fig.legend(handles=handles, loc='lower center', ncol=min(len(handles), 7), fontsize=7)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(out, dpi=100)


def plot_finetune(curves, out):
    """mIoU against fine-tuning iterations, mean and spread over seeds, one line per recipe."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for (arm, _, lr, frozen, learned_pos, labels, iters), by_step in sorted(curves.items()):
        steps = sorted(by_step)
        stats = [mean_std(by_step[s]) for s in steps]
        means = [m for m, _, _ in stats]
        spread = [0.0 if n < 2 else sd for _, sd, n in stats]
        line, = ax.plot(steps, means, marker='o', markersize=3,
                        label=f'{arm} ({describe(frozen, learned_pos, labels)}, lr {lr:g}, '
                              f'{iters} iterations)')
        ax.fill_between(steps, [m - d for m, d in zip(means, spread)],
                        [m + d for m, d in zip(means, spread)], color=line.get_color(), alpha=0.2)
    ax.set_xlabel('UperNet iteration')
    ax.set_ylabel('val mIoU (mean ± std over seeds)')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def write_report(results, report, arms, tag='main'):
    """Fill the part of ``report`` marked with ``tag`` (appended if missing)."""
    begin, end = (m.format(tag=tag) for m in MARKERS)
    lines, pretrain, curves = tables(results, arms)
    picture = osp.splitext(report)[0] + f'_{tag}_curves.png'
    if pretrain:
        plot(pretrain, picture)
        lines += ['', f'![probe and pretext curves]({osp.basename(picture)})']
    if curves:
        picture = osp.splitext(report)[0] + f'_{tag}_finetune.png'
        plot_finetune(curves, picture)
        lines += ['', f'![UperNet mIoU along fine-tuning]({osp.basename(picture)})']
    block = '\n'.join([begin, ''] + lines + ['', end])
    text = open(report).read() if osp.isfile(report) else '# Small-scale study\n'
    if begin not in text or end not in text:
        text += f'\n{begin}\n{end}\n'
    head, rest = text.split(begin, 1)
    text = head + block + rest.split(end, 1)[1]
    with open(report, 'w') as f:
        f.write(text)
    print('\n'.join(lines))
    print(f'wrote {report}')
