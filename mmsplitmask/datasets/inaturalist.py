"""iNaturalist 2018/2019 from their COCO-like json files (images + category ids)."""
import json
import os.path as osp

from mmpretrain.datasets import BaseDataset

from ..registry import register_dataset


@register_dataset()
class INaturalist(BaseDataset):
    """``ann_file`` is e.g. ``train2019.json``; paths in it are relative to data_root."""

    def load_data_list(self):
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'iNaturalist annotation file {self.ann_file} not found: '
                                    'set data_root and ann_file (e.g. train2019.json)')
        with open(self.ann_file) as f:
            data = json.load(f)
        label_of = {a['image_id']: a['category_id'] for a in data['annotations']}
        ids = sorted({c['id'] for c in data['categories']})
        index = {cid: i for i, cid in enumerate(ids)}
        self._metainfo.setdefault('classes', tuple(str(c) for c in ids))
        return [dict(img_path=osp.join(self.data_prefix.get('img_path', ''), im['file_name']),
                     gt_label=index[label_of[im['id']]])
                for im in data['images'] if im['id'] in label_of]
