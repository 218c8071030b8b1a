"""Unlabeled pre-training on the images of a COCO annotation file."""
import json
import os.path as osp

from mmpretrain.datasets import BaseDataset

from ..registry import register_dataset


@register_dataset()
class CocoImages(BaseDataset):
    """Every image listed in a COCO-format ``ann_file``; the labels are ignored.

    Example: ``dict(type='CocoImages', data_root='data/coco',
    ann_file='annotations/instances_train2017.json', data_prefix='train2017')``.
    """

    def __init__(self, ann_file, data_root='', data_prefix='', **kwargs):
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=dict(img_path=data_prefix), **kwargs)

    def load_data_list(self):
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'COCO annotation file {self.ann_file} not found: set data_root/ann_file '
                'to your COCO copy (e.g. data/coco/annotations/instances_train2017.json)')
        with open(self.ann_file) as f:
            images = json.load(f).get('images')
        if not images:
            raise ValueError(f'{self.ann_file} has no "images" list: not a COCO annotation file')
        prefix = self.data_prefix['img_path']
        return [dict(img_path=osp.join(prefix, im['file_name'])) for im in images]
