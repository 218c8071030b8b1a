"""Frozen-feature probes of an encoder: dense linear probe and k-NN.

Dense probe: one linear classifier shared by all patches, fitted on the frozen patch
features of a block against each patch's label distribution (the share of every class
among its labelled pixels), then its patch logits are upsampled bilinearly to the
label map and scored as segmentation (mIoU, pixel accuracy), as mmseg scores it.
k-NN: cosine similarity of the images' mean patch features, 20 neighbours voting with
weights exp(sim / 0.07) (the protocol of DINO and solo-learn).

Works for any ViT that returns raw tokens: ``SplitMaskViT`` / ``MaskedTokenViT`` and
mmpretrain's ``VisionTransformer`` family (``MAEViT`` included).
"""
import contextlib
import glob
import inspect
import os.path as osp

import cv2
import numpy as np
import torch
import torch.nn.functional as F

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')
IGNORE_INDEX = 255


# ------------------------------------------------------------------ data
def read_seg_split(root, split):
    """[(image path, label map path)] of ``root/images/split`` and ``root/seg/split``."""
    image_dir, seg_dir = osp.join(root, 'images', split), osp.join(root, 'seg', split)
    images = sorted(p for p in glob.glob(osp.join(image_dir, '*'))
                    if p.lower().endswith(IMAGE_EXTS))
    if not images:
        raise FileNotFoundError(
            f'no images in {image_dir}: --seg-root needs images/{{train,val}}/*.jpg and '
            'seg/{train,val}/*.png (docs/new_dataset.md, folder segmentation layout)')
    pairs = []
    for path in images:
        label = osp.join(seg_dir, osp.splitext(osp.basename(path))[0] + '.png')
        if not osp.isfile(label):
            raise FileNotFoundError(f'{path} has no label map {label}: every image of '
                                    f'{image_dir} needs a PNG of the same name in {seg_dir}')
        pairs.append((path, label))
    return pairs


def read_cls_split(root, split):
    """[(image path, class index)] of ``root/split/<class>/*``; classes sorted by name."""
    split_dir = osp.join(root, split)
    classes = sorted(d for d in glob.glob(osp.join(split_dir, '*')) if osp.isdir(d))
    if not classes:
        raise FileNotFoundError(
            f'no class folders in {split_dir}: --cls-root needs train/<class>/*.jpg and '
            'val/<class>/*.jpg')
    return [(p, i) for i, d in enumerate(classes) for p in sorted(glob.glob(osp.join(d, '*')))
            if p.lower().endswith(IMAGE_EXTS)], [osp.basename(d) for d in classes]


def read_image(path):
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f'{path} is not a readable image: delete or replace it')
    return image


# -------------------------------------------------------------- features
def encoder_patch_size(encoder):
    """Patch side of SplitMaskViT (patch_embed.proj) or mmpretrain's ViT (.projection)."""
    conv = getattr(encoder.patch_embed, 'proj', None) or encoder.patch_embed.projection
    return conv.kernel_size[0]


@contextlib.contextmanager
def raw_tokens_of(encoder, blocks):
    """Make ``encoder`` return the raw tokens (B, 1+L, C) of ``blocks`` (a list of
    block indices, negative counts back) in eval mode, for the duration."""
    saved = encoder.out_indices, encoder.out_type, encoder.training
    num_layers = getattr(encoder, 'num_layers', None) or len(encoder.layers)
    encoder.out_indices = [b % num_layers for b in blocks]
    encoder.out_type = 'raw'
    encoder.eval()
    try:
        yield
    finally:
        encoder.out_indices, encoder.out_type = saved[0], saved[1]
        encoder.train(saved[2])


def encode_whole(encoder, images):
    """Forward whole images; MAE/BEiT backbones mask by default, so ask for none."""
    extra = {'mask': None} if 'mask' in inspect.signature(encoder.forward).parameters else {}
    return encoder(images, **extra)


@torch.no_grad()
def patch_features(encoder, image_bgr, mean, std, block=-1, patch_size=16):
    """Frozen features (h, w, C) of one BGR uint8 image of any size.

    The image is resized to the nearest multiple of the patch size on each side.
    """
    h, w = image_bgr.shape[:2]
    size = (max(1, round(w / patch_size)) * patch_size, max(1, round(h / patch_size)) * patch_size)
    rgb = cv2.cvtColor(cv2.resize(image_bgr, size, interpolation=cv2.INTER_LINEAR),
                       cv2.COLOR_BGR2RGB)
    device = next(encoder.parameters()).device
    x = torch.from_numpy(rgb).to(device).permute(2, 0, 1).float()[None]
    x = (x - torch.tensor(mean, device=device).view(1, 3, 1, 1)) / torch.tensor(
        std, device=device).view(1, 3, 1, 1)
    with raw_tokens_of(encoder, [block]):
        tokens = encode_whole(encoder, x)[-1]
    grid = (size[1] // patch_size, size[0] // patch_size)
    return tokens[0, -grid[0] * grid[1]:].float().reshape(*grid, -1).cpu()


def patch_label_shares(label, grid, num_classes):
    """(h, w, K) share of each class among a patch's labelled pixels (0 where none)."""
    valid = torch.from_numpy(label != IGNORE_INDEX)
    one_hot = F.one_hot(torch.from_numpy(label.astype(np.int64)) * valid, num_classes)
    one_hot = (one_hot * valid[..., None]).permute(2, 0, 1)[None].float()
    # area averaging onto the patch grid = the share of each class in each patch
    shares = F.adaptive_avg_pool2d(one_hot, grid)[0].permute(1, 2, 0)
    total = shares.sum(-1, keepdim=True)
    return torch.where(total > 0, shares / total.clamp_min(1e-8), torch.zeros_like(shares))


# ---------------------------------------------------------------- probes
def fit_linear(features, targets, num_classes, seed=0, steps=500, lr=1e-2, weight_decay=1e-4):
    """Full-batch AdamW fit of a linear classifier on standardised features.

    targets: (N,) class indices or (N, K) class shares. Returns a predict function.
    """
    mean, std = features.mean(0), features.std(0) + 1e-6
    x = (features - mean) / std
    generator = torch.Generator().manual_seed(seed)
    weight = (torch.randn(x.shape[1], num_classes, generator=generator) * 0.01).requires_grad_()
    bias = torch.zeros(num_classes, requires_grad=True)
    optimizer = torch.optim.AdamW([weight, bias], lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(x @ weight + bias, targets).backward()
        optimizer.step()
        scheduler.step()
    weight, bias = weight.detach(), bias.detach()
    return lambda feats: ((feats - mean) / std) @ weight + bias


def segmentation_scores(confusion):
    """mIoU (%) over classes present in the labels or predictions, pixel accuracy (%)."""
    tp = np.diag(confusion).astype(np.float64)
    union = confusion.sum(0) + confusion.sum(1) - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    return dict(miou=float(np.nanmean(iou) * 100), acc=float(tp.sum() / confusion.sum() * 100),
                iou=[None if np.isnan(v) else float(v * 100) for v in iou])


def dense_probe(encoder, train_pairs, val_pairs, mean, std, num_classes=None, block=-1,
                patch_size=16, seed=0, progress=None):
    """Dense linear probe; returns dict(miou, acc, iou per class, num_classes)."""
    def features_and_labels(pairs):
        for image_path, label_path in pairs:
            label = cv2.imread(label_path, cv2.IMREAD_GRAYSCALE)
            if label is None:
                raise OSError(f'{label_path} is not a readable PNG label map')
            feats = patch_features(encoder, read_image(image_path), mean, std, block, patch_size)
            if progress is not None:
                progress()
            yield feats, label

    train = list(features_and_labels(train_pairs))
    if num_classes is None:
        num_classes = int(max(lab[lab != IGNORE_INDEX].max(initial=0) for _, lab in train)) + 1
    x = torch.cat([f.flatten(0, 1) for f, _ in train])
    shares = torch.cat([patch_label_shares(lab, f.shape[:2], num_classes).flatten(0, 1)
                        for f, lab in train])
    keep = shares.sum(1) > 0  # patches with no labelled pixel teach nothing
    predict = fit_linear(x[keep], shares[keep], num_classes, seed)

    confusion = np.zeros((num_classes, num_classes), np.int64)
    for feats, label in features_and_labels(val_pairs):
        logits = predict(feats.flatten(0, 1)).reshape(*feats.shape[:2], num_classes)
        logits = F.interpolate(logits.permute(2, 0, 1)[None], size=label.shape,
                               mode='bilinear', align_corners=False)[0]
        pred = logits.argmax(0).numpy()
        valid = (label != IGNORE_INDEX) & (label < num_classes)
        confusion += np.bincount(label[valid].astype(np.int64) * num_classes + pred[valid],
                                 minlength=num_classes**2).reshape(num_classes, num_classes)
    return dict(**segmentation_scores(confusion), num_classes=num_classes)


def knn_top1(encoder, train_items, val_items, mean, std, block=-1, patch_size=16, k=20,
             temperature=0.07, progress=None):
    """k-NN top-1 (%) on the l2-normalised mean patch features of each image."""
    def embed(items):
        feats = []
        for path, _ in items:
            feats.append(patch_features(encoder, read_image(path), mean, std, block,
                                        patch_size).flatten(0, 1).mean(0))
            if progress is not None:
                progress()
        return F.normalize(torch.stack(feats), dim=1)

    train, val = embed(train_items), embed(val_items)
    train_labels = torch.tensor([c for _, c in train_items])
    val_labels = torch.tensor([c for _, c in val_items])
    num_classes = int(max(train_labels.max(), val_labels.max())) + 1
    sims, idx = (val @ train.T).topk(min(k, len(train_items)), dim=1)
    votes = torch.zeros(len(val_items), num_classes).scatter_add_(
        1, train_labels[idx], (sims / temperature).exp())
    return float((votes.argmax(1) == val_labels).float().mean() * 100)


# --------------------------------------------------------------- encoder
DEFAULT_MEAN, DEFAULT_STD = (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)


def build_frozen_encoder(cfg, checkpoint=None, seed=0):
    """The backbone of a pre-training or transfer config, frozen, in eval mode.

    With ``checkpoint`` its ``backbone.*`` weights (or, for a backbone-only file, all
    of them) are loaded strictly; without one it is initialised randomly from ``seed``.
    Returns (encoder, mean, std, patch_size), mean/std in RGB order.
    """
    from mmengine.registry import DefaultScope, init_default_scope
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS

    from ..models.checkpoint_loading import extract_state_dict, load_pretrained_strictly
    from ..compat import safe_torch_load

    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    registry = PRETRAIN_MODELS
    if scope == 'mmdet':
        from mmdet.registry import MODELS as registry
    elif scope == 'mmseg':
        from mmseg.registry import MODELS as registry
    backbone = dict(cfg.model.backbone)
    backbone.pop('init_cfg', None)
    if 'pyramid' in backbone:  # transfer configs: the plain encoder under the adapter
        backbone.update(pyramid=None, out_type='raw', out_indices=(-1, ))
    backbone.pop('frozen', None)
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope(scope):
        encoder = registry.build(backbone)
    encoder.init_weights()
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
        state = extract_state_dict(safe_torch_load(checkpoint, map_location='cpu'))
        prefix = 'backbone.' if any(k.startswith('backbone.') for k in state) else None
        load_pretrained_strictly(encoder, dict(checkpoint=checkpoint, prefix=prefix))
    encoder.requires_grad_(False)
    encoder.eval()
    preprocessor = cfg.model.get('data_preprocessor') or {}
    mean = tuple(preprocessor.get('mean', DEFAULT_MEAN))
    std = tuple(preprocessor.get('std', DEFAULT_STD))
    return encoder, mean, std, encoder_patch_size(encoder)
