"""Draw what a pre-training config feeds the model, one PNG per sample.

    python tools/analysis_tools/browse_dataset.py CONFIG [--num 8] [--out-dir DIR]

For each sample of the config's training pipeline (random crop, flip, split or mask,
as training draws them): the crop, what each branch sees (SplitMask: the two halves;
BEiT: the visible patches), and the half-resolution target image the tokenizer reads.
Check the data and the split on your own dataset before spending GPU-days.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # tools/

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from _common import check_paths, config_errors, load_config  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a pre-training config')
    parser.add_argument('--num', type=int, default=8, help='samples to draw')
    parser.add_argument('--out-dir', help='default: work_dirs/browse/<config name>')
    parser.add_argument('--seed', type=int, default=0, help='seed of crops and splits')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_dataloader.dataset.data_root=DIR')
    args = parser.parse_args(argv)
    args.work_dir, args.launcher = None, 'none'
    return args


def to_rgb(image):
    """(3, H, W) uint8 tensor in the pipeline's BGR order -> (H, W, 3) RGB array."""
    return image.permute(1, 2, 0).numpy()[..., ::-1]


def hide(image, hidden):
    """Grey out the patches where ``hidden`` (a patch grid) is True."""
    patch = image.shape[0] // hidden.shape[0]
    shown = image.copy()
    pixels = np.kron(hidden, np.ones((patch, patch), bool))
    shown[pixels] = (shown[pixels] * 0.25 + 96).astype(np.uint8)
    return shown


def panels(sample):
    """(title, picture) of one packed training sample."""
    inputs, data_sample = sample['inputs'], sample['data_samples']
    crop, *rest = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    crop = to_rgb(crop)
    shown = [(f'crop {crop.shape[1]}x{crop.shape[0]}', crop)]
    if 'subset' in data_sample:  # SplitMask: each branch sees its own half
        subset = np.asarray(data_sample.subset)
        shown += [(f'branch A sees ({int((subset == 1).sum())} patches)', hide(crop, subset != 1)),
                  (f'branch B sees ({int((subset == 2).sum())} patches)', hide(crop, subset != 2))]
    elif 'mask' in data_sample:  # BEiT: the encoder sees the unmasked patches
        mask = np.asarray(torch.as_tensor(data_sample.mask).bool())
        shown.append((f'encoder sees ({int((~mask).sum())} patches)', hide(crop, mask)))
    if rest:
        target = to_rgb(rest[0])
        shown.append((f'target image {target.shape[1]}x{target.shape[0]}', target))
    return shown


def draw(shown, path, title):
    fig, axes = plt.subplots(1, len(shown), figsize=(3.2 * len(shown), 3.6), squeeze=False)
    for ax, (name, picture) in zip(axes[0], shown):
        ax.imshow(picture, interpolation='nearest')
        ax.set_title(name, fontsize=10)
        ax.axis('off')
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args)
    from mmpretrain.models import BaseSelfSupervisor
    from mmpretrain.registry import DATASETS, MODELS
    model_type = MODELS.get(cfg.get('model', {}).get('type', ''))
    if not (isinstance(model_type, type) and issubclass(model_type, BaseSelfSupervisor)):
        sys.exit(f'error: {args.config} is not a pre-training config (its model is not an '
                 "mmpretrain self-supervised algorithm); for detection or segmentation data "
                 "use that toolbox's own tools/analysis_tools/browse_dataset.py")
    check_paths(cfg, ['train'], init_checkpoints=False)  # no model is built
    out_dir = args.out_dir or osp.join('work_dirs', 'browse',
                                       osp.splitext(osp.basename(args.config))[0])
    os.makedirs(out_dir, exist_ok=True)
    np.random.seed(args.seed)  # the split and mask generators draw from numpy
    torch.manual_seed(args.seed)
    with config_errors(args), DefaultScope.overwrite_default_scope('mmpretrain'):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
        num = min(args.num, len(dataset))
        for i in range(num):
            sample = dataset[i]
            path = osp.join(out_dir, f'{i:04d}.png')
            draw(panels(sample), path, sample['data_samples'].img_path)
            print(f'[{i + 1}/{num}] {path}', flush=True)
    print(f'wrote {num} pictures to {out_dir}')


if __name__ == '__main__':
    main()
