"""Generate the demo scenes: COCO instances, semantic masks and unlabeled images.

    python tools/dataset_tools/make_demo_data.py data/demo --num-train 160 --num-val 40

Backgrounds and object textures are the photographs bundled with scikit-image
(`--no-photos`: smooth gradients). Deterministic for a seed; see
mmsplitmask/datasets/synthetic.py for the layout.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # the repository

from mmengine.utils import ProgressBar  # noqa: E402

from mmsplitmask.datasets.synthetic import make_dataset, sample_photos  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir')
    parser.add_argument('--num-train', type=int, default=160)
    parser.add_argument('--num-val', type=int, default=40)
    parser.add_argument('--min-size', type=int, default=96)
    parser.add_argument('--max-size', type=int, default=176)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--no-photos', action='store_true',
                        help='gradient backgrounds and flat objects instead of photographs')
    parser.add_argument('--shape-only', action='store_true',
                        help='objects take random palette colours, so only shape tells the class')
    args = parser.parse_args()
    photos, textures = ((), ()) if args.no_photos else sample_photos()
    progress = ProgressBar(args.num_train + args.num_val)
    make_dataset(args.out_dir, args.num_train, args.num_val, (args.min_size, args.max_size),
                 args.seed, photos, textures, progress=progress,
                 colour_by_class=not args.shape_only)
    print(f'\nwrote {args.num_train} train / {args.num_val} val scenes to {args.out_dir}')


if __name__ == '__main__':
    main()
