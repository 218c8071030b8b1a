"""Bad and odd images in a pre-training folder: converted, or skipped with the path, the
reason and a count in the training log; never a crash or a hang.
(tests/test_datasets.py::test_bad_images_are_skipped_or_named covers empty, non-image,
truncated, tiny and 16-bit RGBA files and on_error='raise'.)"""
import glob
import os
import os.path as osp
import re
import struct
import time
import zlib

import cv2
import numpy as np
import pytest
from conftest import TINY_CONFIG, run_tool, tiny_dataset
from PIL import Image

from mmsplitmask.datasets import LoadImageOrSkip

RNG = np.random.default_rng(0)
GOOD = (RNG.random((70, 90, 3)) * 255).astype(np.uint8)


def write_odd(folder):
    """Files a decoder must convert; and what each must look like afterwards (BGR)."""
    os.makedirs(folder, exist_ok=True)
    grey = np.repeat(GOOD[..., :1], 3, axis=2)
    cv2.imwrite(f'{folder}/grey.png', GOOD[..., 0])
    cv2.imwrite(f'{folder}/rgba.png', np.dstack([GOOD, GOOD[..., :1]]))
    cv2.imwrite(f'{folder}/grey16.png', GOOD[..., 0].astype(np.uint16) * 257)
    cv2.imwrite(f'{folder}/rgb16.png', GOOD.astype(np.uint16) * 257)
    Image.fromarray(GOOD[..., ::-1]).convert('CMYK').save(f'{folder}/cmyk.jpg', quality=100)
    cv2.imwrite(f'{folder}/one_pixel.png', GOOD[:1, :1])  # smaller than one 16x16 patch
    return {'grey.png': grey, 'rgba.png': GOOD, 'grey16.png': grey, 'rgb16.png': GOOD,
            'cmyk.jpg': GOOD, 'one_pixel.png': GOOD[:1, :1]}


def write_bad(folder):
    """Files that cannot be used; and a word of the reason each must be given."""
    os.makedirs(folder, exist_ok=True)
    cv2.imwrite(f'{folder}/ok.jpg', GOOD)
    jpeg = open(f'{folder}/ok.jpg', 'rb').read()
    os.remove(f'{folder}/ok.jpg')
    png = cv2.imencode('.png', GOOD)[1].tobytes()
    # A PNG whose header claims 100000 x 100000 pixels (30 GB decoded).
    header = struct.pack('>IIBBBBB', 100000, 100000, 8, 2, 0, 0, 0)
    bomb = (png[:8] + struct.pack('>I', 13) + b'IHDR' + header +
            struct.pack('>I', zlib.crc32(b'IHDR' + header)) + png[33:])
    files = {'truncated.jpg': jpeg[:len(jpeg) // 2], 'truncated.png': png[:len(png) // 2],
             'empty.jpg': b'', 'notes.jpg': b'not an image\n', 'bomb.png': bomb}
    for name, data in files.items():
        open(f'{folder}/{name}', 'wb').write(data)
    return {'truncated.jpg': 'truncated JPEG', 'truncated.png': 'decodable',
            'empty.jpg': 'empty file', 'notes.jpg': 'decodable',
            'bomb.png': 'CV_IO_MAX_IMAGE_PIXELS'}


def test_odd_images_are_converted_and_cropped(tmp_path):
    expected = write_odd(tmp_path)
    load = LoadImageOrSkip()
    for name, image in expected.items():
        img = load(dict(img_path=str(tmp_path / name)))['img']
        assert img.dtype == np.uint8 and img.shape == image.shape, name
        tolerance = 6 if name.endswith('.jpg') else 0  # lossy
        assert np.abs(img.astype(int) - image).mean() <= tolerance, name
    dataset = tiny_dataset(tmp_path)
    for i in range(len(dataset)):
        sample = dataset[i]  # crop + resize to 64 (and 32 for the tokenizer)
        assert sample['inputs'][0].shape == (3, 64, 64)
        assert sample['inputs'][1].shape == (3, 32, 32)


def test_very_large_image_loads_in_bounded_time(tmp_path):
    big = np.zeros((6000, 8000, 3), np.uint8)
    big[::40] = 255
    cv2.imwrite(str(tmp_path / 'big.jpg'), big)
    dataset = tiny_dataset(tmp_path)
    start = time.time()
    sample = dataset[0]
    seconds = time.time() - start
    print(f'\n8000x6000 JPEG decoded, cropped and resized in {seconds:.2f} s')
    assert sample['inputs'][0].shape == (3, 64, 64) and seconds < 15


def test_unusable_files_are_skipped_or_named_with_the_reason(tmp_path):
    reasons = write_bad(tmp_path)
    skip, strict = LoadImageOrSkip(), LoadImageOrSkip(on_error='raise')
    before = LoadImageOrSkip.total_skipped()
    for name, reason in reasons.items():
        assert skip(dict(img_path=str(tmp_path / name))) is None, name
        with pytest.raises(ValueError, match=f'{tmp_path / name}: .*{reason}'):
            strict(dict(img_path=str(tmp_path / name)))
    assert LoadImageOrSkip.total_skipped() - before == len(reasons)


def test_a_folder_of_only_bad_files_fails_instead_of_hanging(tmp_path):
    write_bad(tmp_path)
    dataset = tiny_dataset(tmp_path)
    start = time.time()
    with pytest.raises(Exception, match='Cannot find valid image after 1000'):
        dataset[0]  # mmengine's BaseDataset tries 1000 other indices, then gives up
    assert time.time() - start < 60


def test_training_log_names_skipped_files_and_counts_them(scenes, tmp_path):
    """A data worker process skips the files; the training log gets each path and reason,
    and SkippedImagesHook adds the total over processes and workers."""
    folder = tmp_path / 'images'
    bad = write_bad(folder)
    for path in sorted(glob.glob(f'{scenes}/images/train/*.jpg'))[:12]:
        os.symlink(path, folder / osp.basename(path))
    _, out = run_tool('tools/train.py', TINY_CONFIG, '--work-dir',
                      str(tmp_path / 'work'), '--cfg-options',
                      f'train_dataloader.dataset.data_root={folder}',
                      'train_dataloader.num_workers=1', 'train_dataloader.batch_size=4',
                      'train_cfg.max_epochs=1')
    log = open(glob.glob(str(tmp_path / 'work' / '*' / '*.log'))[0]).read()
    for name, reason in bad.items():
        assert re.search(f'skipped unreadable image {folder / name} \\(.*{reason}', log), name
    skips = log.count('skipped unreadable image')  # a replacement may be bad as well
    total = re.findall(r'(\d+) unreadable images skipped so far', log)
    print(f'\n{len(bad)} bad files among 17: {skips} skips, log says {total[-1]}')
    assert int(total[-1]) == skips >= len(bad)
    assert 'Epoch(train) [1][5/5]' in out  # 17 samples in batches of 4: the epoch ran out
