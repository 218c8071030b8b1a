"""Pre-training datasets and the generated scenes."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from pycocotools.coco import COCO

import mmsplitmask  # noqa: F401
from conftest import run_tool, tiny_dataset


def build(cfg):
    init_default_scope('mmpretrain')
    from mmpretrain.registry import DATASETS
    return DATASETS.build(cfg)


def test_coco_images_lists_every_image(scenes):
    ds = build(dict(type='CocoImages', data_root=scenes,
                    ann_file='annotations/instances_val.json', data_prefix='images/val/',
                    pipeline=[]))
    assert len(ds) == 6 and all(osp.isfile(ds[i]['img_path']) for i in range(6))


def test_coco_images_missing_file_says_what_to_set(tmp_path):
    with pytest.raises(FileNotFoundError, match='instances_train2017.json'):
        build(dict(type='CocoImages', data_root=str(tmp_path),
                   ann_file='annotations/instances_train2017.json'))


def test_folder_pretraining_reads_images_recursively(tmp_path):
    for sub in ('a', 'b/c'):
        os.makedirs(tmp_path / sub)
        cv2.imwrite(str(tmp_path / sub / 'x.jpg'), np.zeros((20, 20, 3), np.uint8))
    ds = build(dict(type='CustomDataset', data_root=str(tmp_path), with_label=False,
                    pipeline=[]))
    assert sorted(osp.relpath(ds[i]['img_path'], tmp_path) for i in range(len(ds))) == [
        'a/x.jpg', 'b/c/x.jpg']


@pytest.fixture(scope='module')
def photo_scenes(tmp_path_factory):
    """tools/dataset_tools/make_demo_data.py as make demo runs it (photographs), at a small size."""
    out = str(tmp_path_factory.mktemp('photo_scenes'))
    _, log = run_tool('tools/dataset_tools/make_demo_data.py', out, '--num-train', '6',
                      '--num-val', '2')
    assert 'wrote 6 train / 2 val scenes' in log
    return out


@pytest.mark.parametrize('split', ['train', 'val'])
@pytest.mark.parametrize('kind', ['scenes', 'photo_scenes'])
def test_generated_scenes_have_exact_consistent_labels(request, kind, split):
    scenes = request.getfixturevalue(kind)
    ann_file = osp.join(scenes, 'annotations', f'instances_{split}.json')
    coco = COCO(ann_file)
    assert coco.getAnnIds()  # pycocotools accepts the file and it has instances
    for image in coco.loadImgs(coco.getImgIds()):
        semantic = cv2.imread(osp.join(scenes, 'seg', split, image['file_name'][:-4] + '.png'),
                              cv2.IMREAD_UNCHANGED)
        assert semantic.shape == (image['height'], image['width'])
        rebuilt = np.zeros_like(semantic)
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=image['id'])):
            mask = coco.annToMask(ann).astype(bool)
            assert mask.sum() == ann['area']
            x, y, w, h = ann['bbox']  # the box is the mask's tight box
            ys, xs = np.nonzero(mask)
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x, y, x + w, y + h)
            assert not (rebuilt[mask] > 0).any()  # visible instances do not overlap
            rebuilt[mask] = ann['category_id']
        assert np.array_equal(rebuilt, semantic)


def test_generator_is_deterministic(tmp_path):
    from mmsplitmask.datasets.synthetic import make_dataset, sample_photos
    photos, textures = sample_photos()
    for out in ('a', 'b'):
        make_dataset(str(tmp_path / out), num_train=3, num_val=1, seed=7, photos=photos,
                     textures=textures)
    for name in ('instances_train.json', 'instances_val.json'):
        assert json.load(open(tmp_path / 'a' / 'annotations' / name)) == json.load(
            open(tmp_path / 'b' / 'annotations' / name))
    for name in ('images/train/000001.jpg', 'seg/val/000001.png'):
        assert open(tmp_path / 'a' / name, 'rb').read() == open(tmp_path / 'b' / name,
                                                                'rb').read()


@pytest.mark.parametrize('colour_by_class', [True, False])
def test_shape_only_scenes_do_not_colour_code_classes(colour_by_class):
    """By default each class has its palette colour; with colour_by_class=False
    (make_demo_data.py --shape-only) every class comes in several colours."""
    from mmsplitmask.datasets.synthetic import CLASSES, PALETTE, make_scene
    rng = np.random.default_rng(0)
    colours = {label: set() for label in range(len(CLASSES))}
    for _ in range(40):
        image, instances = make_scene(rng, 96, 96, colour_by_class=colour_by_class)
        for label, mask in instances:
            mean_rgb = image[mask].mean(0)[::-1]
            colours[label].add(int(np.argmin(np.linalg.norm(np.array(PALETTE) - mean_rgb,
                                                            axis=1))))
    if colour_by_class:
        assert colours == {label: {label} for label in colours}
    else:
        assert all(len(found) >= 3 for found in colours.values()), colours


def test_photo_scenes_show_photographs(photo_scenes):
    """Backgrounds are photographs, not smooth gradients: plenty of fine detail."""
    image = cv2.imread(osp.join(photo_scenes, 'images', 'train', '000001.jpg'))
    background = cv2.imread(osp.join(photo_scenes, 'seg', 'train', '000001.png'), 0) == 0
    detail = np.abs(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_32F))
    assert detail[background].mean() > 10  # gradients: about 2 (JPEG noise)


def test_bad_images_are_skipped_or_named(tmp_path):
    from mmsplitmask.datasets import LoadImageOrSkip
    folder = tmp_path / 'images'
    os.makedirs(folder / 'sub')
    good = (np.random.default_rng(0).random((70, 90, 3)) * 255).astype(np.uint8)
    cv2.imwrite(str(folder / 'good.jpg'), good)
    cv2.imwrite(str(folder / 'sub' / 'grey.png'), good[..., 0])
    cv2.imwrite(str(folder / 'rgba16.png'),
                np.dstack([good, good[..., :1]]).astype(np.uint16) * 257)
    cv2.imwrite(str(folder / 'tiny.png'), good[:5, :5])  # smaller than one patch
    (folder / 'empty.jpg').write_bytes(b'')
    (folder / 'notes.jpg').write_text('not an image')
    data = open(folder / 'good.jpg', 'rb').read()
    (folder / 'truncated.jpg').write_bytes(data[:len(data) // 3])

    dataset = tiny_dataset(folder)
    assert len(dataset) == 7
    skipped_before = LoadImageOrSkip.skipped
    for i in range(len(dataset)):  # bad files are replaced by another, good sample
        sample = dataset[i]
        assert sample['inputs'][0].shape == (3, 64, 64)
        assert sample['inputs'][1].shape == (3, 32, 32)
    # empty.jpg and notes.jpg cannot be decoded (a truncated JPEG may decode partly)
    assert LoadImageOrSkip.skipped - skipped_before >= 2

    dataset = tiny_dataset(folder, {0: dict(on_error='raise')})
    bad = [i for i in range(len(dataset)) if dataset.get_data_info(i)['img_path'].endswith(
        'notes.jpg')][0]
    with pytest.raises(ValueError, match='notes.jpg'):
        dataset[bad]
