"""Show what a SplitMask checkpoint does with one image, as a PNG.

    python tools/visualize_splitmask.py CONFIG CHECKPOINT IMAGE --out split.png

Panels: the (resized) image; what branch A and branch B see; the target tokens; the
tokens the model predicts where each branch is blind; and both token maps drawn back
as their codebook patches (each code vector min-max scaled to an 8x8 RGB patch, an
approximate reconstruction). Token maps use one colour per token id; predicted
patches that miss their target are outlined in red. Prints the token accuracy.
"""
import argparse
import os.path as osp

import cv2
import matplotlib
import numpy as np
import torch
from _common import load_config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

from mmsplitmask.datasets import ComplementaryMaskGenerator
from mmsplitmask.models.splitmask import subset_indices

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out', default='splitmask_vis.png')
    parser.add_argument('--seed', type=int, default=0, help='seed of the split')
    args = parser.parse_args()
    args.work_dir, args.launcher, args.cfg_options = None, 'none', None
    return args


def build_model(args):
    cfg = load_config(args)
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    return model.eval()


@torch.no_grad()
def run(model, image_bgr, seed):
    """Token maps (h, w) of the target and the prediction, and the split."""
    vit = model.backbone
    size = vit.patch_resolution[0] * vit.patch_size
    image = cv2.resize(image_bgr, (size, size), interpolation=cv2.INTER_AREA)
    target = cv2.resize(image_bgr, (size // 2, size // 2), interpolation=cv2.INTER_AREA)
    np.random.seed(seed)
    subset = ComplementaryMaskGenerator(vit.patch_resolution)({})['subset']
    # collated as the dataloader does: [images (1, 3, H, W), targets (1, 3, H/2, W/2)]
    data = dict(inputs=[torch.from_numpy(im).permute(2, 0, 1)[None] for im in (image, target)],
                data_samples=None)
    images, target_images = model.data_preprocessor(data, False)['inputs']

    subsets = torch.from_numpy(subset).flatten()[None]
    visible_a, predict_a = subset_indices(subsets, 1)
    visible_b, predict_b = subset_indices(subsets, 2)
    visible = torch.cat([visible_a, visible_b])
    latent = vit(images, visible)[-1]
    feats = model.neck(latent, visible, vit.patch_pos_embed(vit.patch_resolution))
    logits = model.head.cls_head(feats)  # (2, n, V): branch A, branch B
    tokens = model.target_generator(target_images)[0]
    predicted = tokens.clone()  # patches neither branch misses keep the target
    for branch, missing in enumerate((predict_a[0], predict_b[0])):
        predicted[missing] = logits[branch, missing].argmax(-1)
    grid = vit.patch_resolution
    return image, subset, tokens.view(grid).numpy(), predicted.view(grid).numpy()


def token_colours(tokens):
    rng = np.random.default_rng(12345)
    palette = rng.integers(40, 255, size=(int(tokens.max()) + 1, 3))
    return palette[tokens].astype(np.uint8)


def codebook_patches(model, tokens):
    """Each token drawn as its code vector, min-max scaled to an 8x8 RGB patch."""
    tok = model.target_generator
    codes = tok.codebook[torch.from_numpy(tokens).flatten()].view(-1, 3, tok.patch_size,
                                                                  tok.patch_size)
    low = codes.amin(dim=(1, 2, 3), keepdim=True)
    high = codes.amax(dim=(1, 2, 3), keepdim=True)
    codes = ((codes - low) / (high - low + 1e-8)).numpy()
    h, w = tokens.shape
    p = tok.patch_size
    return codes.reshape(h, w, 3, p, p).transpose(0, 3, 1, 4, 2).reshape(h * p, w * p, 3)


def seen_by(image_rgb, subset, branch, patch):
    shown = image_rgb.copy()
    hidden = np.kron(subset != branch, np.ones((patch, patch), bool))
    shown[hidden] = (shown[hidden] * 0.25 + 96).astype(np.uint8)
    return shown


def main():
    args = parse_args()
    if not osp.isfile(args.image):
        raise SystemExit(f'error: image {args.image} does not exist')
    image_bgr = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if image_bgr is None:
        raise SystemExit(f'error: cannot decode {args.image} as an image')
    model = build_model(args)
    image, subset, target, predicted = run(model, image_bgr, args.seed)
    accuracy = float((target == predicted)[subset > 0].mean())
    rgb = image[..., ::-1]
    patch = model.backbone.patch_size
    wrong = np.argwhere(target != predicted)

    panels = [('image', rgb), ('branch A sees', seen_by(rgb, subset, 1, patch)),
              ('branch B sees', seen_by(rgb, subset, 2, patch)),
              ('target tokens', token_colours(target)),
              (f'predicted tokens (acc {accuracy:.2f})', token_colours(predicted)),
              ('target as codebook patches', codebook_patches(model, target)),
              ('predicted as codebook patches', codebook_patches(model, predicted))]
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 3))
    for ax, (title, picture) in zip(axes, panels):
        ax.imshow(picture, interpolation='nearest')
        ax.set_title(title, fontsize=8)
        ax.axis('off')
    for r, c in wrong:  # outline misses on the predicted token map
        axes[4].add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec='red', lw=1))
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f'token accuracy {accuracy:.3f} on {int((subset > 0).sum())} patches; '
          f'wrote {args.out}')


if __name__ == '__main__':
    main()
