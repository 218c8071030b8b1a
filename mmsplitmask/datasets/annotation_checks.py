"""Annotation files that are wrong fail at start-up, naming the file and what is wrong.

mmdet's ``CocoDataset`` already filters what a detector cannot learn from (see
docs/reliability.md): images without annotations (``filter_cfg.filter_empty_gt``),
boxes with no area or outside the image, and (in ``LoadAnnotations``) polygons with
fewer than 3 points, which become ignored instances; crowd regions become ignored
instances. What it does not handle is a file that lacks a field (a bare ``KeyError``
from pycocotools or mmdet, sometimes only when the sample is loaded hours later), or
a config whose ``classes`` are not the file's categories (every box is dropped, in
silence). ``CocoDataset.load_data_list`` is wrapped to catch both as soon as mmdet's
datasets are imported (not before: they need mmcv's compiled ops, see
:mod:`mmsplitmask.deferred`).

:class:`CheckSegLabels` does the same for semantic label maps, whose values outside
the classes would otherwise crash the loss at the first image that has them.
"""
import json

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.logging import MMLogger

from ..deferred import when_imported
from ..registry import register_transform


class AnnotationError(ValueError):
    """An annotation file or label map that cannot be used as it is."""


REQUIRED = {
    'images': ('id', 'file_name', 'height', 'width'),
    'annotations': ('id', 'image_id', 'category_id', 'bbox', 'area'),
    'categories': ('id', 'name'),
}


def coco_problem(data, need_masks=False):
    """The first thing in a loaded COCO json that mmdet cannot use, or None."""
    if not isinstance(data, dict):
        return 'is not a COCO annotation file (not a json object)'
    for section in ('images', 'categories'):
        if not isinstance(data.get(section), list):
            return f'has no "{section}" list'
    image_ids = set()
    for section, keys in REQUIRED.items():
        for i, item in enumerate(data.get(section, [])):
            missing = [k for k in keys if k not in item]
            if missing:
                what = f'{section[:-1]} #{i}' + (f' (id {item["id"]})' if 'id' in item else '')
                return f'{what} has no "{missing[0]}" field'
            if section == 'images':
                image_ids.add(item['id'])
            elif section == 'annotations':
                box = item['bbox']
                if not (isinstance(box, list) and len(box) == 4):
                    return f'annotation id {item["id"]}: bbox must be [x, y, w, h], got {box!r}'
                if item['image_id'] not in image_ids:
                    return (f'annotation id {item["id"]}: image_id {item["image_id"]} '
                            'is not the id of an image')
                if need_masks and not item.get('segmentation'):
                    return (f'annotation id {item["id"]} (image {item["image_id"]}) has no '
                            '"segmentation", which LoadAnnotations(with_mask=True) needs: add '
                            'its polygon or RLE, or remove the annotation')
    return None


def _needs_masks(dataset):
    return any(getattr(t, 'with_mask', False) for t in dataset.pipeline.transforms)


def _fail(dataset, problem, err=None):
    raise AnnotationError(f'{dataset.ann_file}: {problem}') from err


def check_coco_loading(coco_module):
    """Wrap ``CocoDataset.load_data_list`` of mmdet's ``datasets/coco.py`` module."""
    load_data_list = coco_module.CocoDataset.load_data_list

    def load_data_list_checked(self):
        return _check_loaded(self, load_data_list)

    coco_module.CocoDataset.load_data_list = load_data_list_checked


def _check_loaded(self, load_data_list):
    try:
        data_list = load_data_list(self)
    except (KeyError, TypeError, ValueError, IndexError, AssertionError) as err:
        with open(self.ann_file) as f:  # only on failure: find what is wrong
            problem = coco_problem(json.load(f), _needs_masks(self))
        if problem is None:
            raise
        _fail(self, problem, err)
    classes = self.metainfo.get('classes') or ()
    if len(self.cat_ids) < len(classes):
        with open(self.ann_file) as f:
            names = {c.get('name') for c in json.load(f).get('categories', [])}
        missing = [c for c in classes if c not in names]
        _fail(self, f'the classes {missing} of the config (metainfo.classes) are not category '
                    f'names of this file, so their boxes would be dropped; it has '
                    f'{sorted(names)[:20]}')
    if _needs_masks(self):
        for info in data_list:
            if any('mask' not in ins for ins in info['instances']):
                _fail(self, f'an annotation of image {info["img_path"]} has no "segmentation", '
                            'which LoadAnnotations(with_mask=True) needs: add its polygon or '
                            'RLE, or remove the annotation')
    return data_list


when_imported('mmdet.datasets.coco', check_coco_loading)


@register_transform('mmseg')
class CheckSegLabels(BaseTransform):
    """After ``LoadAnnotations``: label values outside ``0..num_classes-1`` (other than
    ``ignore_index``) become ``ignore_index``, with one warning per file naming the
    file and the values; ``on_error='raise'`` fails instead. Without it such a value
    reaches the cross-entropy loss (``IndexError: Target 9 is out of bounds`` on CPU,
    a device-side assert on GPU) and is silently left out of mIoU."""

    def __init__(self, num_classes, ignore_index=255, on_error='ignore'):
        if on_error not in ('ignore', 'raise'):
            raise ValueError(f"on_error must be 'ignore' or 'raise', got {on_error!r}")
        self.num_classes, self.ignore_index, self.on_error = num_classes, ignore_index, on_error
        self.warned = set()

    def transform(self, results):
        if 'gt_seg_map' not in results:  # inference: MMSegInferencer drops LoadAnnotations
            return results
        seg = results['gt_seg_map']
        bad = (seg >= self.num_classes) & (seg != self.ignore_index)
        if bad.any():
            path = results.get('seg_map_path')
            values = np.unique(seg[bad]).tolist()
            message = (f'label map {path} has values {values} outside the '
                       f'{self.num_classes} classes (0..{self.num_classes - 1}, '
                       f'{self.ignore_index} = ignore)')
            if self.on_error == 'raise':
                raise AnnotationError(message)
            if path not in self.warned:
                self.warned.add(path)
                MMLogger.get_current_instance().warning(
                    f'{message}: those pixels are ignored')
            results['gt_seg_map'] = np.where(bad, self.ignore_index, seg).astype(seg.dtype)
        return results
