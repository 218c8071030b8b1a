"""Build a 'random patches' or 'k-means' codebook from a pre-training config's data.

    python tools/dataset_tools/fit_tokenizer.py configs/splitmask/<config>.py --method kmeans \
        --out work_dirs/tokenizers/coco_kmeans8192.pth

then use it with
    --cfg-options model.target_generator.type=CodebookTokenizer \
        model.target_generator.codebook_file=work_dirs/tokenizers/coco_kmeans8192.pth

Patch vectors are those the tokenizer sees: the 8x8 patches of the half-resolution
target image produced by the config's own pipeline (so crops and flips match).
k-means is spherical (cosine), because tokens are argmax of dot products with unit
vectors.
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # tools/

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _common import load_config  # noqa: E402
from mmengine.config import DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402

from mmsplitmask.models.tokenizers import PatchTokenizer


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='pre-training config whose train data to sample')
    parser.add_argument('--method', choices=['random_patches', 'kmeans'], required=True)
    parser.add_argument('--out', required=True, help='codebook file to write (.pth)')
    parser.add_argument('--vocab-size', type=int, default=8192)
    parser.add_argument('--num-patches', type=int, default=3_000_000,
                        help='patches to sample (paper: ~3M for k-means)')
    parser.add_argument('--iters', type=int, default=20, help='k-means iterations')
    parser.add_argument('--normalize-patches', action='store_true')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    args.work_dir, args.launcher = None, 'none'
    return args


def sample_patches(dataset, tokenizer, num_patches, generator):
    """Patch vectors (N, d) from randomly ordered (and, if needed, repeated) images."""
    chunks, total, progress = [], 0, None
    order = torch.randperm(len(dataset), generator=generator).tolist()
    for step, i in enumerate(order * max(1, -(-num_patches // len(dataset)))):
        inputs = dataset[i]['inputs']
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise SystemExit('error: the config pipeline must produce the half-resolution '
                             'target image (RandomResizedCropAndInterpolationWithTwoPic)')
        target = inputs[1].flip(0).float().unsqueeze(0) / 255  # BGR uint8 -> RGB [0, 1]
        vectors = tokenizer.patch_vectors(target)[0]
        if progress is None:  # images needed, now that the patches per image are known
            progress = ProgressBar(-(-num_patches // len(vectors)))
        chunks.append(vectors)
        total += len(vectors)
        progress.update()
        if total >= num_patches:
            break
    print()
    return torch.cat(chunks)[:num_patches]


def spherical_kmeans(x, k, iters, generator, chunk=65536):
    x = F.normalize(x, dim=1)
    centres = x[torch.randperm(len(x), generator=generator)[:k]].clone()
    progress = ProgressBar(iters)
    for _ in range(iters):
        assign = torch.cat([(x[i:i + chunk] @ centres.T).argmax(1)
                            for i in range(0, len(x), chunk)])
        sums = torch.zeros_like(centres).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k)
        empty = counts == 0
        # Re-seed empty clusters with random points so all k codes stay in use.
        sums[empty] = x[torch.randint(len(x), (int(empty.sum()), ), generator=generator)]
        centres = F.normalize(sums, dim=1)
        progress.update()
    print()
    return centres


def main():
    args = parse_args()
    cfg = load_config(args)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    from mmpretrain.registry import DATASETS
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    tokenizer = PatchTokenizer(args.vocab_size, normalize_patches=args.normalize_patches)
    generator = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)

    print(f'sampling {args.num_patches} patches from {len(dataset)} images')
    patches = sample_patches(dataset, tokenizer, args.num_patches, generator)
    if len(patches) < args.vocab_size:
        raise SystemExit(f'error: only {len(patches)} patches for {args.vocab_size} codes; '
                         'raise --num-patches or use more images')
    if args.method == 'random_patches':
        codebook = patches[torch.randperm(len(patches), generator=generator)[:args.vocab_size]]
    else:
        print(f'spherical k-means, k={args.vocab_size}, {args.iters} iterations')
        codebook = spherical_kmeans(patches, args.vocab_size, args.iters, generator)

    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    torch.save(dict(codebook=F.normalize(codebook, dim=1), method=args.method,
                    normalize_patches=args.normalize_patches, num_patches=len(patches),
                    config=args.config), tmp)
    os.replace(tmp, args.out)  # atomic: a killed run never leaves a half-written file
    print(f'wrote {args.method} codebook {tuple(codebook.shape)} to {args.out}')


if __name__ == '__main__':
    main()
