"""Pre-training learns what only context can teach, and the checks say when it does not.

The images are two flat colours side by side (8 colours, a vertical boundary at a
random column, light noise): a patch's token is almost always its neighbours' token, but
which token that is differs from image to image. tools/analysis_tools/diagnose_pretrain.py
measures the targets' entropy and the share of the most frequent token on the
pipeline's own crops: what a model that learned only the token marginal scores (its
cross-entropy at best the entropy, its token accuracy the majority share). The trained
tiny model must beat both and match its halves above chance, by margins set from
measured runs (MEASURED below); the same run with the targets shuffled over the batch,
and with a decoder that sees nothing of the encoder, must fail the checks.
"""
import math

import cv2
import numpy as np
import pytest
from conftest import ROOT, TINY_CONFIG, logged, run_tool

from analysis_tools import diagnose_pretrain

PALETTE = [(20, 20, 230), (20, 230, 20), (230, 20, 20), (20, 230, 230), (230, 20, 230),
           (230, 230, 20), (240, 240, 240), (30, 30, 30)]  # BGR
BATCH = 16
EPOCHS = 40  # 48 images / batch 16: 120 iterations
CONTROLS = {'shuffled targets': 'tests/configs/splitmask_tiny_shuffled_targets.py',
            'context cut': 'tests/configs/splitmask_tiny_context_cut.py'}
MEASURED = {}  # filled in below from measured runs
MARGINS = {}


def write_two_colour_images(folder, count=48, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        h, w = rng.integers(72, 112, size=2)
        left, right = rng.choice(len(PALETTE), size=2, replace=False)
        cut = rng.integers(w // 4, 3 * w // 4)
        image = np.empty((h, w, 3))
        image[:, :cut], image[:, cut:] = PALETTE[left], PALETTE[right]
        image += rng.normal(0, 3, image.shape)
        cv2.imwrite(str(folder / f'{k:03d}.png'), np.clip(image, 0, 255).astype(np.uint8))


@pytest.fixture(scope='module')
def two_colour(tmp_path_factory):
    folder = tmp_path_factory.mktemp('two_colour') / 'images'
    write_two_colour_images(folder)
    return folder


def marginal_scores(images):
    """(entropy in nats, majority share) of the targets, by the project's diagnostic."""
    result = diagnose_pretrain.main([f'{ROOT}/{TINY_CONFIG}', '--images', str(images),
                                     '--num-images', '48'])
    return result['token_entropy_bits'] * math.log(2), result['majority_token_share']


def train(config, images, work, seed=0, epochs=EPOCHS):
    """Means of the last 10 logged values (each a 10-iteration mean) of a run."""
    run_tool('tools/train.py', config, '--work-dir', str(work), '--seed', str(seed),
             '--cfg-options', f'train_dataloader.dataset.data_root={images}',
             f'train_cfg.max_epochs={epochs}', 'default_hooks.checkpoint.interval=1000',
             env={'PYTHONPATH': f'{ROOT}:{ROOT}/tests'})
    last = list(logged(work, 'loss_mim').values())[-10:]
    return {k: sum(r[k] for r in last) / len(last) for k in ('loss_mim', 'acc_token', 'acc_match')}


def failed_checks(scores, entropy, majority):
    """The learning checks a run's scores fail (empty: it learned from context)."""
    failed = []
    if not scores['loss_mim'] < entropy - MARGINS['nats']:
        failed.append('loss_mim below the target entropy')
    if not scores['acc_token'] > majority + MARGINS['acc_token']:
        failed.append('acc_token above the majority share')
    if not scores['acc_match'] > 1 / BATCH + MARGINS['acc_match']:
        failed.append('acc_match above chance')
    return failed
