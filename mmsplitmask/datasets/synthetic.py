"""Scenes with exact labels, made locally: for tests and the demo (no downloads).

Each scene pastes a few objects of several classes on a background; painting order
decides occlusion, so the visible instance masks are exact. One call writes

    <out>/images/{train,val}/NNNNNN.jpg            the scenes
    <out>/annotations/instances_{train,val}.json   COCO instances (RLE masks)
    <out>/seg/{train,val}/NNNNNN.png               semantic masks, 0 = background
    <out>/pretrain/                                the train images, unlabeled

Backgrounds are crops of photographs and objects are filled with photographed
textures when given (`sample_photos()`: the pictures bundled with scikit-image, so
nothing is downloaded); otherwise smooth random gradients and flat colours.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np
from pycocotools import mask as mask_utils

CLASSES = ('disc', 'square', 'triangle', 'ring')
PALETTE = ((220, 60, 60), (60, 160, 60), (60, 90, 220), (230, 180, 30))
MIN_VISIBLE_PIXELS = 30
# Pictures inside the scikit-image wheel: scenes for backgrounds, textures for objects.
BACKGROUND_FILES = ('astronaut.png', 'chelsea.png', 'coffee.png', 'hubble_deep_field.jpg',
                    'ihc.png', 'motorcycle_left.png', 'rocket.jpg', 'retina.jpg',
                    'camera.png', 'moon.png', 'coins.png')
TEXTURE_FILES = ('brick.png', 'grass.png', 'gravel.png')


def sample_photos():
    """(backgrounds, textures) as BGR uint8 arrays, read from scikit-image's data folder."""
    import skimage  # noqa: PLC0415 (only the demo data needs it)
    folder = osp.join(osp.dirname(skimage.__file__), 'data')

    def read(name):
        image = cv2.imread(osp.join(folder, name), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f'{osp.join(folder, name)} is missing or unreadable; '
                                    'reinstall scikit-image (pip install -r requirements.txt)')
        return image

    return [read(n) for n in BACKGROUND_FILES], [read(n) for n in TEXTURE_FILES]


def _gradient_background(rng, h, w):
    corners = rng.integers(0, 256, size=(2, 2, 3)).astype(np.float32)
    return cv2.resize(corners, (w, h), interpolation=cv2.INTER_LINEAR)


def _photo_background(rng, photo, h, w):
    ph, pw = photo.shape[:2]
    scale = max(h / ph, w / pw) * rng.uniform(1.0, 1.6)
    resized = cv2.resize(photo, (int(pw * scale) + 1, int(ph * scale) + 1))
    top = rng.integers(0, resized.shape[0] - h + 1)
    left = rng.integers(0, resized.shape[1] - w + 1)
    return resized[top:top + h, left:left + w].astype(np.float32)


def _shape_mask(rng, label, h, w):
    size = int(rng.uniform(0.15, 0.35) * min(h, w))
    cy, cx = int(rng.uniform(size, h - size)), int(rng.uniform(size, w - size))
    mask = np.zeros((h, w), np.uint8)
    name = CLASSES[label]
    if name == 'disc':
        cv2.circle(mask, (cx, cy), size, 1, -1)
    elif name == 'square':
        angle = rng.uniform(0, 90)
        box = cv2.boxPoints(((cx, cy), (1.6 * size, 1.6 * size), angle))
        cv2.fillPoly(mask, [box.astype(np.int32)], 1)
    elif name == 'triangle':
        angles = rng.uniform(0, 2 * np.pi) + np.array([0, 2, 4]) * np.pi / 3
        pts = np.stack([cx + size * np.cos(angles), cy + size * np.sin(angles)], 1)
        cv2.fillPoly(mask, [pts.astype(np.int32)], 1)
    else:
        cv2.circle(mask, (cx, cy), size, 1, -1)
        cv2.circle(mask, (cx, cy), size // 2, 0, -1)
    return mask.astype(bool)


def _object_fill(rng, label, h, w, textures, colour_by_class):
    """Class colour (or a random palette colour), modulated by a photographed texture
    or by noise."""
    hue = label if colour_by_class else rng.integers(len(PALETTE))
    colour = np.array(PALETTE[hue], np.float32)[::-1] + rng.normal(0, 15, 3)
    if len(textures):
        texture = _photo_background(rng, textures[rng.integers(len(textures))], h, w)
        return colour * (0.4 + texture / 255.0)
    return colour + rng.normal(0, 12, (h, w, 1)).astype(np.float32)


def make_scene(rng, h, w, photos=(), textures=(), max_objects=4, colour_by_class=True):
    """One image (h, w, 3) uint8 BGR, and its visible instances [(label, mask)].
    Without ``colour_by_class`` only an object's shape tells its class."""
    image = (_photo_background(rng, photos[rng.integers(len(photos))], h, w)
             if len(photos) else _gradient_background(rng, h, w))
    owner = np.full((h, w), -1, np.int32)
    labels = []
    for k in range(int(rng.integers(1, max_objects + 1))):
        label = int(rng.integers(len(CLASSES)))
        mask = _shape_mask(rng, label, h, w)
        fill = _object_fill(rng, label, h, w, textures, colour_by_class)
        image[mask] = np.clip(fill[mask], 0, 255)
        owner[mask] = k
        labels.append(label)
    instances = [(labels[k], owner == k) for k in range(len(labels))]
    instances = [(lab, m) for lab, m in instances if m.sum() >= MIN_VISIBLE_PIXELS]
    return image.astype(np.uint8), instances


def _coco_annotation(ann_id, image_id, label, mask):
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    x, y, bw, bh = mask_utils.toBbox(rle).tolist()
    return dict(id=ann_id, image_id=image_id, category_id=label + 1, iscrowd=0,
                area=float(mask.sum()), bbox=[x, y, bw, bh], segmentation=rle)


def write_split(out_dir, split, num_images, rng, size_range, photos=(), textures=(),
                progress=None, colour_by_class=True):
    img_dir = osp.join(out_dir, 'images', split)
    seg_dir = osp.join(out_dir, 'seg', split)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(seg_dir, exist_ok=True)
    coco = dict(images=[], annotations=[],
                categories=[dict(id=i + 1, name=n) for i, n in enumerate(CLASSES)])
    for image_id in range(1, num_images + 1):
        h, w = (int(rng.integers(size_range[0], size_range[1] + 1)) for _ in range(2))
        image, instances = make_scene(rng, h, w, photos, textures,
                                       colour_by_class=colour_by_class)
        name = f'{image_id:06d}'
        cv2.imwrite(osp.join(img_dir, name + '.jpg'), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        semantic = np.zeros((h, w), np.uint8)
        for label, mask in instances:
            semantic[mask] = label + 1
            coco['annotations'].append(_coco_annotation(
                len(coco['annotations']) + 1, image_id, label, mask))
        cv2.imwrite(osp.join(seg_dir, name + '.png'), semantic)
        coco['images'].append(dict(id=image_id, file_name=name + '.jpg', height=h, width=w))
        if progress is not None:
            progress.update()
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    with open(osp.join(out_dir, 'annotations', f'instances_{split}.json'), 'w') as f:
        json.dump(coco, f)


def make_dataset(out_dir, num_train=40, num_val=10, size_range=(96, 160), seed=0,
                 photos=(), textures=(), progress=None, colour_by_class=True):
    """Write train/val scenes (see module doc); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    for split, num in (('train', num_train), ('val', num_val)):
        write_split(out_dir, split, num, rng, size_range, photos, textures, progress,
                    colour_by_class)
    pretrain = osp.join(out_dir, 'pretrain')
    if not osp.exists(pretrain):
        os.symlink(osp.join('images', 'train'), pretrain)
    return out_dir
