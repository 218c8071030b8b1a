"""Tables and curves of tools/small_scale_study.py, from its results/ JSON files alone.

Writes the part of the report between the markers below (the text around them is
kept) and a picture of the probe and pretext curves next to the report.
"""
import glob
import json
import os.path as osp
import statistics

BEGIN, END = '<!-- study:begin (tools/small_scale_study.py writes this part) -->', \
    '<!-- study:end -->'


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
    return '-' if mean is None else f'{mean:.1f} ± {std:.1f} (n={n})'


def verdict(values, reference):
    """'better' / 'worse' when the means differ by more than 2 pooled std, else 'same'."""
    (m, s, n), (rm, rs, rn) = mean_std(values), mean_std(reference)
    if m is None or rm is None or n < 2 or rn < 2:
        return 'not enough seeds'
    pooled = ((s**2 + rs**2) / 2) ** 0.5
    diff = m - rm
    word = 'same' if abs(diff) <= 2 * pooled else ('better' if diff > 0 else 'worse')
    return f'{word} ({diff:+.1f}; 2 std = {2 * pooled:.1f})'


def last(curve, key):
    values = [r[key] for r in curve if key in r]
    return values[-1] if values else None


def tables(results, arms):
    probe, pretrain = load(osp.join(results, 'probe')), load(osp.join(results, 'pretrain'))
    finetune = load(osp.join(results, 'finetune'))
    random_probe = [r['dense_probe_miou'] for r in probe.get('random', [])]
    lines = ['### Dense linear probe (frozen last block, 200 train / 200 val scenes)', '',
             '| arm | what it tests | probe mIoU | vs random init | vs `splitmask` | '
             'loss_mim | acc_token | acc_match |', '|---|---|---|---|---|---|---|---|',
             f'| random init | no pre-training | {fmt(random_probe)} | | | | | |']
    reference = [r['dense_probe_miou'] for r in probe.get('splitmask', [])]
    for arm, (_, _, what) in arms.items():
        if arm not in probe:
            continue
        values = [r['dense_probe_miou'] for r in probe[arm]]
        curves = [r['curve'] for r in pretrain.get(arm, [])]
        pretext = [fmt([last(c, k) for c in curves], 100 if k.startswith('acc') else 1)
                   for k in ('loss_mim', 'acc_token', 'acc_match')]
        if arm == 'mae':
            pretext = [fmt([last(c, 'loss') for c in curves]) + ' (pixel L2)', '-', '-']
        lines.append(f'| `{arm}` | {what} | {fmt(values)} | {verdict(values, random_probe)} | '
                     f'{"" if arm == "splitmask" else verdict(values, reference)} | '
                     + ' | '.join(pretext) + ' |')
    lines += ['', '### UperNet fine-tuning (mIoU on the 200 val scenes, equal budget)', '',
              '| init | layer decay | mIoU | vs random init (same decay) |', '|---|---|---|---|']
    for key in sorted(finetune, key=lambda k: (k.split('_ld')[1], not k.startswith('random_'), k)):
        arm, decay = key.rsplit('_ld', 1)
        values = [r['miou'] for r in finetune[key]]
        ref = [r['miou'] for r in finetune.get(f'random_ld{decay}', [])]
        lines.append(f'| {arm} | {decay} | {fmt(values)} | '
                     f'{"" if arm == "random" else verdict(values, ref)} |')
    return lines, pretrain


def plot(pretrain, out):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    keys = ['probe/dense_miou', 'loss_mim', 'acc_token', 'acc_match']
    fig, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys), 3.6))
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
                        marker='o' if key.startswith('probe') else None, markersize=3)
        ax.set_title(key + (' (mean over seeds)'))
        ax.set_xlabel('update')
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


def write_report(results, report, arms):
    lines, pretrain = tables(results, arms)
    picture = osp.splitext(report)[0] + '_curves.png'
    if pretrain:
        plot(pretrain, picture)
        lines += ['', f'![probe and pretext curves]({osp.basename(picture)})']
    block = '\n'.join([BEGIN, ''] + lines + ['', END])
    text = open(report).read() if osp.isfile(report) else f'# Small-scale study\n\n{BEGIN}\n{END}\n'
    if BEGIN not in text or END not in text:
        text += f'\n{BEGIN}\n{END}\n'
    head, rest = text.split(BEGIN, 1)
    text = head + block + rest.split(END, 1)[1]
    with open(report, 'w') as f:
        f.write(text)
    print('\n'.join(lines))
    print(f'wrote {report}')
