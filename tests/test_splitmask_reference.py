"""SplitMask's batched loss against a plain per-image reference written from the method.

The reference below shares nothing with the package but the modules' weights: it loops
over images, branches and patches, embeds each 16x16 patch with the conv weight as a
matrix, writes its own sine-cosine positions, attention, LayerNorm, GELU, scatter into
the decoder's sequence, tokenizer argmax, cross-entropy and InfoNCE. Batches come
through the tiny config's own pipeline (random flip, random resized crop, the
complementary split) and data preprocessor, on odd and non-square grids and both split
types. Rewriting one line of the package (a swapped branch, targets of the wrong half,
positions off by one) must make the comparison fail.
"""
import inspect
import math
import os
import sys
import textwrap

import cv2
import numpy as np
import pytest
import torch
from conftest import TINY_CONFIG, tiny_dataset
from mmengine.config import Config
from mmengine.dataset import default_collate

from mmsplitmask.models import SplitMaskDecoder, SplitMaskHead, SplitMaskViT, splitmask

IMAGENET_MEAN = (0.485, 0.456, 0.406)  # the tokenizer's pixel standardisation
IMAGENET_STD = (0.229, 0.224, 0.225)
BATCH = 4


# ------------------------------------------------------------- the plain reference
def linear(x, layer):
    return x @ layer.weight.T + layer.bias


def layer_norm(x, norm):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean)**2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias


def gelu(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def attention(x, attn):
    """One sequence (L, C); qkv's output is [q | k | v], each head a slice of D."""
    dims = x.shape[1]
    head_dims = dims // attn.num_heads
    qkv = linear(x, attn.qkv)
    heads = []
    for h in range(attn.num_heads):
        q, k, v = (qkv[:, part * dims + h * head_dims:part * dims + (h + 1) * head_dims]
                   for part in range(3))
        scores = torch.exp(q @ k.T / math.sqrt(head_dims))
        heads.append(scores / scores.sum(-1, keepdim=True) @ v)
    return linear(torch.cat(heads, dim=1), attn.proj)


def block(x, blk):
    gamma1 = getattr(blk.ls1, 'gamma', 1.0)
    gamma2 = getattr(blk.ls2, 'gamma', 1.0)
    x = x + gamma1 * attention(layer_norm(x, blk.norm1), blk.attn)
    return x + gamma2 * linear(gelu(linear(layer_norm(x, blk.norm2), blk.mlp.fc1)), blk.mlp.fc2)


def positions(vit, grid_hw):
    """Patch r*w+c's position: a learned table's row, or sin/cos of its column then row."""
    rows, cols = grid_hw
    if vit.pos_embed is not None:
        return [vit.pos_embed[0, 1 + i] for i in range(rows * cols)]
    quarter = vit.embed_dims // 4
    table = []
    for r in range(rows):
        for c in range(cols):
            values = []
            for coord in (c, r):
                freqs = [coord / 10000**(j / quarter) for j in range(quarter)]
                values += [math.sin(f) for f in freqs] + [math.cos(f) for f in freqs]
            table.append(torch.tensor(values))
    return table


def reference_losses(model, images, target_images, subsets):
    """loss_mim, loss_match, acc_token, acc_match of a batch, one image at a time."""
    vit, decoder, head = model.backbone, model.neck, model.head
    patch = vit.patch_size
    grid_hw = subsets.shape[1:]
    n = grid_hw[0] * grid_hw[1]
    pos = positions(vit, grid_hw)
    cls_pos = vit.pos_embed[0, 0] if vit.pos_embed is not None else 0
    kernel = vit.patch_embed.proj.weight.reshape(vit.embed_dims, -1)
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    codebook = model.target_generator.codebook
    ce_terms, correct = [], 0
    descriptors = {1: [], 2: []}
    for b in range(images.shape[0]):
        label = [int(subsets[b, i // grid_hw[1], i % grid_hw[1]]) for i in range(n)]
        embedded, targets = [], []
        for i in range(n):
            r, c = divmod(i, grid_hw[1])
            pixels = images[b, :, r * patch:(r + 1) * patch, c * patch:(c + 1) * patch]
            embedded.append(kernel @ pixels.reshape(-1) + vit.patch_embed.proj.bias + pos[i])
            half = patch // 2
            small = target_images[b, :, r * half:(r + 1) * half, c * half:(c + 1) * half]
            vector = ((small - mean) / std).reshape(-1)  # channel-major, as the tokenizer
            targets.append(int(torch.argmax(codebook @ vector)))
        for branch in (1, 2):
            visible = [i for i in range(n) if label[i] == branch]
            predict = [i for i in range(n) if label[i] != branch]
            x = torch.stack([vit.cls_token[0, 0] + cls_pos] + [embedded[i] for i in visible])
            for blk in vit.blocks:
                x = block(x, blk)
            x = layer_norm(x, vit.norm)
            # the decoder's sequence: class token, then each patch's encoding if this
            # branch saw it, else the mask token at that patch's position
            slots = [x[0]] + [x[1 + visible.index(i)] if i in visible
                              else decoder.mask_token[0, 0] + pos[i] for i in range(n)]
            y = torch.stack(slots)
            for blk in decoder.blocks:
                y = block(y, blk)
            y = layer_norm(y, decoder.norm)[1:]
            for i in predict:
                logits = linear(y[i], head.cls_head)
                ce_terms.append(torch.logsumexp(logits, 0) - logits[targets[i]])
                correct += int(torch.argmax(logits)) == targets[i]
            descriptors[branch].append(y.mean(0))
    loss_mim = torch.stack(ce_terms).mean()
    a = [d / d.norm() for d in descriptors[1]]
    b = [d / d.norm() for d in descriptors[2]]
    match_terms, hits = [], 0
    for queries, keys in ((a, b), (b, a)):
        for i, q in enumerate(queries):
            logits = torch.stack([q @ k / head.temperature for k in keys])
            match_terms.append(torch.logsumexp(logits, 0) - logits[i])
            hits += int(torch.argmax(logits)) == i
    return dict(loss_mim=loss_mim, loss_match=torch.stack(match_terms).mean(),
                acc_token=correct / len(ce_terms), acc_match=hits / len(match_terms))


# ------------------------------------------------------------------- the batches
def write_images(folder, count=BATCH, seed=0):
    """Smooth images with structure on one side, so flips and crops change them."""
    rng = np.random.default_rng(seed)
    folder.mkdir(exist_ok=True)
    for k in range(count):
        h, w = rng.integers(70, 130, size=2)
        ys, xs = np.mgrid[0:h, 0:w]
        image = np.stack([(xs * (3 + c) + ys * (k + 1) * c) % 255 for c in range(3)], -1)
        image[:h // 2, :w // 3] = rng.integers(0, 255, 3)
        cv2.imwrite(str(folder / f'{k}.png'), image.astype(np.uint8))


def build_model(pos_embed, img_size, seed=0):
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.backbone.update(pos_embed=pos_embed, img_size=img_size)
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.train()


def batch(model, folder, grid_hw, mode, seed=0):
    """One training batch of the tiny pipeline with the crop giving ``grid_hw`` patches."""
    size = (grid_hw[1] * 16, grid_hw[0] * 16)  # the crop resizes with mmcv: (w, h)
    dataset = tiny_dataset(folder, {
        2: dict(size=size, second_size=(size[0] // 2, size[1] // 2)),
        3: dict(input_size=grid_hw, mode=mode)})
    np.random.seed(seed)
    torch.manual_seed(seed)
    samples = [dataset[i] for i in range(len(dataset))]
    data = model.data_preprocessor(default_collate(samples), True)
    # [view, target view, visible, predict]: the preprocessor appends the split's indices
    return data['inputs'], data['data_samples']


CASES = [  # (split, grid, position embedding)
    ('block', (4, 4), 'sincos'),
    ('block', (5, 5), 'sincos'),  # odd: one patch seen by neither branch
    ('block', (3, 5), 'sincos'),
    ('uniform', (5, 5), 'sincos'),
    ('uniform', (4, 6), 'learned'),
]


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('reference') / 'images'
    write_images(folder)
    return folder


def compare(model, inputs, data_samples):
    """(package's losses, reference's losses) of one batch."""
    subsets = torch.stack([torch.as_tensor(s.subset) for s in data_samples])
    ours = model.loss(inputs, data_samples)
    theirs = reference_losses(model, inputs[0], inputs[1], subsets)
    return ours, theirs


@pytest.mark.parametrize('mode,grid_hw,pos_embed', CASES,
                         ids=[f'{m}-{g[0]}x{g[1]}-{p}' for m, g, p in CASES])
def test_batched_loss_equals_plain_reference(images, mode, grid_hw, pos_embed):
    model = build_model(pos_embed, img_size=(grid_hw[0] * 16, grid_hw[1] * 16))
    inputs, data_samples = batch(model, images, grid_hw, mode)
    view, target_view = inputs[:2]
    assert view.shape[-2:] == (grid_hw[0] * 16, grid_hw[1] * 16)
    # both views went through the same flip and crop: the target image is the view at
    # half resolution (undo the preprocessor's normalisation to compare pixels)
    pixel_mean = model.data_preprocessor.mean.view(1, 3, 1, 1)
    pixel_std = model.data_preprocessor.std.view(1, 3, 1, 1)
    half = torch.nn.functional.avg_pool2d(view * pixel_std + pixel_mean, 2) / 255
    assert (half - target_view).abs().mean() < 0.05
    assert (half - target_view.flip(-1)).abs().mean() > 0.1  # and a flip would show

    ours, theirs = compare(model, inputs, data_samples)
    for key in ('loss_mim', 'loss_match'):
        torch.testing.assert_close(ours[key], theirs[key], rtol=1e-5, atol=1e-5, msg=key)
    for key in ('acc_token', 'acc_match'):
        assert float(ours[key]) == pytest.approx(theirs[key], abs=1e-6), key
    # same gradients for every weight (the fused cross-entropy's backward included)
    params = [p for p in model.parameters() if p.requires_grad]
    ours_grads = torch.autograd.grad(ours['loss_mim'] + ours['loss_match'], params,
                                     allow_unused=True)
    ref_grads = torch.autograd.grad(theirs['loss_mim'] + theirs['loss_match'], params,
                                    allow_unused=True)
    for (name, _), g_ours, g_ref in zip(model.named_parameters(), ours_grads, ref_grads):
        if g_ref is None:
            assert g_ours is None or not g_ours.any(), name
            continue
        torch.testing.assert_close(g_ours, g_ref, rtol=1e-4, atol=1e-6, msg=name)


# --------------------------------------------------------------------- mutations
def rewrite(monkeypatch, owner, name, old, new):
    """Replace ``owner.name`` (a class's method or a module's function) by its own
    source with ``old`` rewritten to ``new``."""
    func = getattr(owner, name)
    source = textwrap.dedent(inspect.getsource(func))
    assert source.count(old) == 1, (
        f'{old!r} is not in {owner.__name__}.{name} exactly once: the code changed; update '
        f'MUTATIONS in {__file__} to the same bug in the new code')
    namespace = {}
    exec(compile(source.replace(old, new), inspect.getsourcefile(func), 'exec'),
         vars(sys.modules[func.__module__]), namespace)
    monkeypatch.setattr(owner, name, namespace[name])


MUTATIONS = {
    'branch B sees what it should predict': (
        splitmask, 'split_indices', 'visible_b, predict_b = subset_indices(subsets, 2)',
        'predict_b, visible_b = subset_indices(subsets, 2)'),
    'each branch scored on the half it sees': (
        splitmask, 'split_indices', 'torch.cat([predict_a, predict_b])',
        'torch.cat([predict_b, predict_a])'),
    'targets from the wrong image of the doubled batch': (
        SplitMaskHead, 'loss', 'target.repeat(2, 1)', 'target.repeat_interleave(2, 0)'),
    'decoder scatter off by one': (
        SplitMaskDecoder, 'forward', 'visible_idx + 1', 'visible_idx'),
    'mask tokens at the neighbouring position': (
        SplitMaskDecoder, 'forward', 'self.mask_token + patch_pos_embed',
        'self.mask_token + patch_pos_embed.roll(1, 1)'),
    'encoder positions off by one': (
        SplitMaskViT, 'embed_patches', 'x + self.patch_pos_embed(grid_hw)',
        'x + self.patch_pos_embed(grid_hw).roll(1, 1)'),
    'descriptors from the wrong branch': (
        SplitMaskHead, 'loss', 'x_a, x_b = descriptors.chunk(2)',
        'x_a, x_b = descriptors.roll(1, 0).chunk(2)'),
}


@pytest.mark.skipif('MUTANT_UNDER_TEST' in os.environ,
                    reason='mutmut has rewritten the package source these mutations edit')
@pytest.mark.parametrize('mutation', list(MUTATIONS))
def test_reference_catches_index_bugs(images, monkeypatch, mutation):
    model = build_model('sincos', img_size=64)
    inputs, data_samples = batch(model, images, (4, 4), 'block')
    rewrite(monkeypatch, *MUTATIONS[mutation])
    with torch.no_grad():  # without the preprocessor's indices: the loss computes them
        ours, theirs = compare(model, inputs[:2], data_samples)
    differs = [key for key in ('loss_mim', 'loss_match')
               if not torch.allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-5)]
    assert differs, f'{mutation}: the package still equals the reference'


def test_extract_feat_encodes_whole_images_of_a_batch_or_a_tensor():
    model = build_model('sincos', img_size=64).eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = model.backbone(images)
        for inputs in (images, [images, torch.rand(2, 3, 32, 32)]):
            feats = model.extract_feat(inputs)
            assert len(feats) == 1 and feats[0].shape == (2, 64, 4, 4)
            torch.testing.assert_close(feats[0], expected[0])


def test_pixels_past_the_last_whole_patch_change_nothing(images):
    """Sides that are not multiples of 16: the patch embedding and the tokenizer drop
    the partial patches, so the loss is that of the whole patches."""
    model = build_model('sincos', img_size=64)
    (view, target_view, *_), data_samples = batch(model, images, (4, 4), 'block')
    padded = [torch.nn.functional.pad(view, (0, 8, 0, 8), value=3.0),
              torch.nn.functional.pad(target_view, (0, 4, 0, 4), value=1.0)]
    with torch.no_grad():
        ours = model.loss(padded, data_samples)
        expected = model.loss([view, target_view], data_samples)
    for key in ('loss_mim', 'loss_match'):
        torch.testing.assert_close(ours[key], expected[key], msg=key)


def test_a_split_of_the_wrong_grid_says_how_to_fix_it(images):
    model = build_model('sincos', img_size=64)
    _, data_samples = batch(model, images, (4, 4), 'block')
    with pytest.raises(ValueError, match=r'the split mask is \(4, 4\) patches but the image '
                       r'gives \(5, 5\): set ComplementaryMaskGenerator.input_size to crop '
                       r'size / 16'):
        model.loss([torch.zeros(4, 3, 80, 80), torch.zeros(4, 3, 40, 40)], data_samples)


def test_one_image_batches_and_unequal_splits(images):
    model = build_model('sincos', img_size=64)
    (view, target_view, *_), data_samples = batch(model, images, (4, 4), 'block')
    one = model.loss([view[:1], target_view[:1]], data_samples[:1])
    theirs = reference_losses(model, view[:1], target_view[:1],
                              torch.as_tensor(data_samples[0].subset)[None])
    torch.testing.assert_close(one['loss_mim'], theirs['loss_mim'], rtol=1e-5, atol=1e-5)
    data_samples[1].subset = data_samples[1].subset.copy()
    data_samples[1].subset[data_samples[1].subset == 1] = 0  # branch A of image 1 sees nothing
    with pytest.raises(ValueError, match=r'branch 1 sees \[8, 0, 8, 8\] patches per image; '
                       'the split transform must give every image the same count'):
        model.loss([view, target_view], data_samples)
