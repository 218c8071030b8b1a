"""Bad annotations: what mmdet filters (tested here so that it stays so), what fails at
start-up with the file and the field, and label maps with values outside the classes."""
import copy
import json
import os
import shutil

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmsplitmask.datasets import AnnotationError

DET = 'tests/configs/mask-rcnn_tiny.py'


def coco_dataset(scenes, ann_file, split='train', **changes):
    """The tiny Mask R-CNN's train (or val) dataset on ``ann_file``."""
    init_default_scope('mmdet')
    from mmdet.registry import DATASETS
    cfg = Config.fromfile(DET)[f'{split}_dataloader'].dataset
    cfg.update(data_root=f'{scenes}/', ann_file=str(ann_file), **changes)
    return DATASETS.build(cfg)


@pytest.fixture
def coco(scenes):
    with open(f'{scenes}/annotations/instances_train.json') as f:
        return json.load(f)


def write(tmp_path, data, name='ann.json'):
    with open(tmp_path / name, 'w') as f:
        json.dump(data, f)
    return tmp_path / name


def test_what_mmdet_filters(scenes, coco, tmp_path):
    anns = {}
    for ann in coco['annotations']:
        anns.setdefault(ann['image_id'], []).append(ann)
    ids = sorted(anns)[:5]
    empty, crowd, degenerate, outside, polygon = ids
    coco['annotations'] = [a for a in coco['annotations'] if a['image_id'] != empty]
    anns[crowd][0]['iscrowd'] = 1
    anns[degenerate][0]['bbox'][2] = 0  # zero width
    width = next(im['width'] for im in coco['images'] if im['id'] == outside)
    anns[outside][0]['bbox'] = [width + 5, 0, 20, 20]  # wholly right of the image
    anns[outside][-1]['bbox'][0] -= 30  # sticks out on the left
    anns[polygon][0]['segmentation'] = [[10, 10, 20, 10]]  # two points: not a polygon
    dataset = coco_dataset(scenes, write(tmp_path, coco))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    by_id = {d['img_id']: d for d in infos}
    # filter_cfg.filter_empty_gt: the image without annotations is not trained on
    assert empty not in by_id and len(by_id) == len(coco['images']) - 1
    assert by_id[crowd]['instances'][0]['ignore_flag'] == 1  # crowd: ignored region
    assert len(by_id[degenerate]['instances']) == len(anns[degenerate]) - 1  # dropped
    assert len(by_id[outside]['instances']) == len(anns[outside]) - 1  # dropped
    index = {d['img_id']: i for i, d in enumerate(infos)}
    for img_id in (outside, crowd, polygon):
        sample = dataset[index[img_id]]['data_samples']
        h, w = sample.img_shape
        boxes = sample.gt_instances.bboxes.tensor
        # boxes that stick out are clipped to the (resized) image
        assert (boxes[:, 0] >= 0).all() and (boxes[:, 2] <= w).all() and (boxes[:, 3] <= h).all()
        if img_id in (crowd, polygon):  # ignored, not a target
            assert len(sample.ignored_instances) == 1
            assert len(sample.gt_instances) == len(anns[img_id]) - 1


@pytest.mark.parametrize('section,key,message', [
    ('annotations', 'bbox', r'annotation #0 \(id 1\) has no "bbox" field'),
    ('annotations', 'image_id', r'annotation #0 \(id 1\) has no "image_id" field'),
    ('annotations', 'area', r'annotation #0 \(id 1\) has no "area" field'),
    ('images', 'height', r'image #0 \(id 1\) has no "height" field'),
    ('images', 'file_name', r'image #0 \(id 1\) has no "file_name" field'),
    ('annotations', 'segmentation',
     r'an annotation of image \S+/000001.jpg has no "segmentation", which LoadAnnotations'),
])
def test_missing_field_names_file_and_field(scenes, coco, tmp_path, section, key, message):
    del coco[section][0][key]
    path = write(tmp_path, coco)
    with pytest.raises(AnnotationError, match=f'^{path}: {message}'):
        coco_dataset(scenes, path)


def test_classes_that_are_not_categories_fail(scenes, coco, tmp_path):
    path = write(tmp_path, coco)
    with pytest.raises(AnnotationError, match=r"classes \['squares'\] .* not category names"):
        coco_dataset(scenes, path, metainfo=dict(classes=('disc', 'squares')))
    del coco['categories']
    with pytest.raises(AnnotationError, match='ann.json: has no "categories" list'):
        coco_dataset(scenes, write(tmp_path, coco))


def test_test_mode_keeps_images_without_annotations(scenes, tmp_path):
    with open(f'{scenes}/annotations/instances_val.json') as f:
        coco = json.load(f)
    first = coco['images'][0]['id']
    coco['annotations'] = [a for a in coco['annotations'] if a['image_id'] != first]
    dataset = coco_dataset(scenes, write(tmp_path, coco), split='val')
    assert len(dataset) == len(coco['images'])  # evaluated, with no boxes to find


def seg_dataset(root, on_error='ignore'):
    init_default_scope('mmseg')
    from mmseg.registry import DATASETS
    cfg = Config.fromfile('tests/configs/upernet_tiny.py').val_dataloader.dataset
    cfg.data_root = str(root)
    assert cfg.pipeline[3].type == 'mmseg.CheckSegLabels'
    cfg.pipeline[3].on_error = on_error
    return DATASETS.build(cfg)


def test_label_values_outside_the_classes_are_ignored_or_named(scenes, tmp_path):
    for sub in ('images/val', 'seg/val'):
        shutil.copytree(f'{scenes}/{sub}', tmp_path / sub)
    name = sorted(os.listdir(tmp_path / 'seg' / 'val'))[0]
    seg = cv2.imread(str(tmp_path / 'seg' / 'val' / name), cv2.IMREAD_UNCHANGED)
    bad = copy.deepcopy(seg)
    bad[:5, :5] = 9  # 5 classes: 0..4
    bad[-3:, -3:] = 255  # ignore_index: fine
    cv2.imwrite(str(tmp_path / 'seg' / 'val' / name), bad)

    sample = seg_dataset(tmp_path)[0]
    labels = sample['data_samples'].gt_sem_seg.data
    values = set(np.unique(labels.numpy()).tolist())
    assert 9 not in values and 255 in values and values - {255} <= {0, 1, 2, 3, 4}
    with pytest.raises(AnnotationError, match=f'{name} has values \\[9\\] outside the 5'):
        seg_dataset(tmp_path, on_error='raise')[0]
