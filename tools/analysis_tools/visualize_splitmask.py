"""Show what a SplitMask checkpoint does with one image, as a PNG.

    python tools/analysis_tools/visualize_splitmask.py CONFIG CHECKPOINT IMAGE --out split.png

Panels: the (resized) image; what branch A and branch B see; the target tokens; and the
tokens the model predicts where each branch is blind, predicted patches that miss their
target outlined in red. Each token is drawn as what it stands for: the mean of the
image patches the tokenizer gives that id, over up to --num-token-images images of the
config's training folder (a random-projection codebook drawn as vectors is colour
noise). Prints the token accuracy.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # tools/

import cv2  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _common import load_config  # noqa: E402
from analysis_tools.browse_dataset import hide  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmengine.runner import load_checkpoint  # noqa: E402
from mmengine.utils import scandir  # noqa: E402

from mmsplitmask.datasets import ComplementaryMaskGenerator  # noqa: E402
from mmsplitmask.evaluation.probe import IMAGE_EXTS  # noqa: E402
from mmsplitmask.models.splitmask import split_indices  # noqa: E402

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out', default='splitmask_vis.png')
    parser.add_argument('--seed', type=int, default=0, help='seed of the split')
    parser.add_argument('--token-images', help='folder whose patches give each token its '
                        "picture (default: the config's training folder)")
    parser.add_argument('--num-token-images', type=int, default=256)
    args = parser.parse_args()
    args.work_dir, args.launcher, args.cfg_options = None, 'none', None
    return args


def build_model(args, cfg):
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    return model.eval()


def target_images(model, images_bgr, size):
    """The model's inputs (B, 3, size, size) and the half-resolution targets
    (B, 3, size/2, size/2) the tokenizer reads, preprocessed as in training."""
    small = [cv2.resize(im, (size // 2, size // 2), interpolation=cv2.INTER_AREA)
             for im in images_bgr]
    full = [cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images_bgr]
    # collated as the dataloader does: [images (B, 3, H, W), targets (B, 3, H/2, W/2)]
    data = dict(inputs=[torch.from_numpy(np.stack(ims)).permute(0, 3, 1, 2)
                        for ims in (full, small)], data_samples=None)
    return model.data_preprocessor(data, False)['inputs']


@torch.no_grad()
def run(model, image_bgr, seed):
    """The resized image, the split and the token maps (h, w) of target and prediction."""
    vit = model.backbone
    size = vit.patch_resolution[0] * vit.patch_size
    images, targets = target_images(model, [image_bgr], size)
    np.random.seed(seed)
    subset = ComplementaryMaskGenerator(vit.patch_resolution)({})['subset']
    visible, predict = split_indices([subset])  # rows: branch A, branch B
    latent = vit(images, visible)[-1]
    feats = model.neck(latent, visible, vit.patch_pos_embed(vit.patch_resolution))
    logits = model.head.cls_head(feats)  # (2, n, V): branch A, branch B
    tokens = model.target_generator(targets)[0]
    predicted = tokens.clone()  # patches neither branch misses keep the target
    for branch, missing in enumerate(predict):
        predicted[missing] = logits[branch, missing].argmax(-1)
    grid = vit.patch_resolution
    image = cv2.resize(image_bgr, (size, size), interpolation=cv2.INTER_AREA)
    return image, subset, tokens.view(grid).numpy(), predicted.view(grid).numpy()


@torch.no_grad()
def token_pictures(model, paths):
    """(V, p, p, 3) RGB mean of the target patches given each token id over the images
    at ``paths`` (grey where an id never occurs), and how many ids occurred."""
    vit, tok = model.backbone, model.target_generator
    size = vit.patch_resolution[0] * vit.patch_size
    patch = size // 2 // vit.patch_resolution[0]
    sums = torch.zeros(tok.vocab_size, 3 * patch * patch)
    counts = torch.zeros(tok.vocab_size)
    for start in range(0, len(paths), 32):
        images = [cv2.imread(p, cv2.IMREAD_COLOR) for p in paths[start:start + 32]]
        _, targets = target_images(model, [im for im in images if im is not None], size)
        tokens = tok(targets).flatten()
        patches = F.unfold(targets, patch, stride=patch).transpose(1, 2).flatten(0, 1)
        sums.index_add_(0, tokens, patches)
        counts.index_add_(0, tokens, torch.ones_like(tokens, dtype=counts.dtype))
    means = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], 0.5)
    return means.view(-1, 3, patch, patch).permute(0, 2, 3, 1).numpy(), int((counts > 0).sum())


def draw_tokens(pictures, tokens):
    """A token map (h, w) drawn with each id's picture."""
    h, w = tokens.shape
    p = pictures.shape[1]
    tiles = pictures[tokens.flatten()].reshape(h, w, p, p, 3)
    return tiles.transpose(0, 2, 1, 3, 4).reshape(h * p, w * p, 3).clip(0, 1)


def image_paths(args, cfg):
    """Up to --num-token-images images, evenly spread over the folder."""
    folder = args.token_images or cfg.train_dataloader.dataset.get('data_root', '')
    if not osp.isdir(folder):
        raise SystemExit(f'error: token images folder {folder!r} does not exist; pass '
                         '--token-images DIR (any folder of images like the training ones)')
    paths = sorted(osp.join(folder, f) for f in scandir(folder, IMAGE_EXTS, recursive=True))
    if not paths:
        raise SystemExit(f'error: no images in {folder}; pass --token-images DIR')
    step = max(1, len(paths) // args.num_token_images)
    return paths[::step][:args.num_token_images], folder


def main():
    args = parse_args()
    if not osp.isfile(args.image):
        raise SystemExit(f'error: image {args.image} does not exist')
    image_bgr = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if image_bgr is None:
        raise SystemExit(f'error: cannot decode {args.image} as an image')
    cfg = load_config(args)
    paths, folder = image_paths(args, cfg)
    model = build_model(args, cfg)
    image, subset, target, predicted = run(model, image_bgr, args.seed)
    pictures, seen = token_pictures(model, paths)
    accuracy = float((target == predicted)[subset > 0].mean())
    rgb = image[..., ::-1]
    panels = [('image', rgb), ('branch A sees', hide(rgb, subset != 1)),
              ('branch B sees', hide(rgb, subset != 2)),
              ('target tokens', draw_tokens(pictures, target)),
              (f'predicted tokens (acc {accuracy:.2f})', draw_tokens(pictures, predicted))]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.8))
    for ax, (title, picture) in zip(axes, panels):
        ax.imshow(picture, interpolation='nearest')
        ax.set_title(title, fontsize=10)
        ax.axis('off')
    p = pictures.shape[1]
    for r, c in np.argwhere(target != predicted):  # outline misses on the prediction
        axes[-1].add_patch(plt.Rectangle((c * p - 0.5, r * p - 0.5), p, p, fill=False,
                                         ec='red', lw=1.2))
    fig.suptitle(f'each token drawn as the mean of its patches in {len(paths)} images of '
                 f'{folder} ({seen} of {len(pictures)} ids occur; grey: an id that does not)',
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f'token accuracy {accuracy:.3f} on {int((subset > 0).sum())} patches; '
          f'token pictures from {len(paths)} images ({seen} ids); wrote {args.out}')


if __name__ == '__main__':
    main()
