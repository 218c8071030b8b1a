"""Targets for inpainting: one visual token per 16x16 ViT patch, vocabulary 8192.

A token is ``argmax_i <x, e_i>`` where ``x`` is the pixel vector of the 8x8 patch of
the half-resolution image under the ViT patch (d = 8*8*3 = 192) and ``e_i`` are unit
codebook vectors. The tokenizers differ only in their codebook (PAPER.md, Table 2).
Input images arrive in [0, 1] (the data preprocessor divides the target image by 255).
"""
import os.path as osp

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from ..registry import register_model
from ..compat import safe_torch_load

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def patchify(images, patch_size):
    """(B, C, H, W) -> (B, h*w, C*p*p), channel-major inside each patch.

    A view and one copy; F.unfold (im2col) gives the same and was ~100x slower on CPU.
    """
    b, c, h, w = images.shape
    p = patch_size
    patches = images[..., :h - h % p, :w - w % p].reshape(b, c, h // p, p, w // p, p)
    return patches.permute(0, 2, 4, 1, 3, 5).reshape(b, (h // p) * (w // p), c * p * p)


class PatchTokenizer(BaseModule):
    """Nearest-direction tokenizer over a fixed codebook (a buffer, saved in checkpoints).

    Args:
        vocab_size: number of codebook vectors.
        patch_size: side of the half-resolution patch (8 for 16x16 ViT patches).
        normalize_patches: standardise each patch vector (zero mean, unit std)
            before the dot product. The paper does not say; off by default.
    """

    def __init__(self, vocab_size=8192, patch_size=8, normalize_patches=False, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.vocab_size = vocab_size
        self.patch_size = patch_size
        self.normalize_patches = normalize_patches
        self.register_buffer('codebook', torch.zeros(vocab_size, 3 * patch_size**2))
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), False)
        self.register_buffer('std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), False)

    def patch_vectors(self, images):
        """Standardised pixel vectors (B, n, d) of images in [0, 1]."""
        vectors = patchify((images.float() - self.mean) / self.std, self.patch_size)
        if self.normalize_patches:
            vectors = (vectors - vectors.mean(-1, keepdim=True)) / (
                vectors.std(-1, keepdim=True) + 1e-6)
        return vectors

    def set_codebook(self, vectors):
        if vectors.shape != self.codebook.shape:
            raise ValueError(f'codebook must be {tuple(self.codebook.shape)}, '
                             f'got {tuple(vectors.shape)}')
        self.codebook.copy_(F.normalize(vectors.float(), dim=1))

    @torch.no_grad()
    def forward(self, images):
        """Token ids (B, n) of images (B, 3, H/2, W/2) in [0, 1]."""
        vectors = self.patch_vectors(images)
        # One 2-D matmul and an argmax: (B*n, d) x (d, V). (A 3-D @ 2-D product ran
        # as a batched matmul over a broadcast codebook, ~10x slower on CPU.)
        scores = vectors.flatten(0, 1) @ self.codebook.T
        return scores.argmax(dim=-1).view(vectors.shape[:2])


@register_model()
class RandomProjectionTokenizer(PatchTokenizer):
    """Codebook of random vectors with i.i.d. uniform entries (the paper's default).

    Entries are drawn from U(-1, 1) (the paper says "uniform" without a range; a
    symmetric range keeps the codebook unbiased towards bright or dark patches)
    with a fixed seed, so every run and every process gets the same targets.
    """

    def __init__(self, vocab_size=8192, patch_size=8, seed=0, normalize_patches=False,
                 init_cfg=None):
        super().__init__(vocab_size, patch_size, normalize_patches, init_cfg)
        generator = torch.Generator().manual_seed(seed)
        self.set_codebook(torch.rand(self.codebook.shape, generator=generator) * 2 - 1)


@register_model()
class CodebookTokenizer(PatchTokenizer):
    """Codebook read from a file written by ``tools/dataset_tools/fit_tokenizer.py``.

    That tool builds the 'random patches' codebook (patches sampled from the
    training images) and the 'k-means' codebook (centroids of sampled patches).
    """

    def __init__(self, codebook_file, vocab_size=8192, patch_size=8, normalize_patches=None,
                 init_cfg=None):
        if not osp.isfile(codebook_file):
            raise FileNotFoundError(
                f'tokenizer codebook {codebook_file} does not exist. Build it with: '
                'python tools/dataset_tools/fit_tokenizer.py CONFIG --method kmeans '
                f'--out {codebook_file}')
        saved = safe_torch_load(codebook_file, map_location='cpu')
        stored_norm = bool(saved.get('normalize_patches', False))
        if normalize_patches is not None and normalize_patches != stored_norm:
            raise ValueError(f'{codebook_file} was fitted with normalize_patches={stored_norm}')
        super().__init__(vocab_size, patch_size, stored_norm, init_cfg)
        self.method = saved.get('method', 'unknown')
        self.set_codebook(saved['codebook'])


@register_model()
class DALLETokenizer(BaseModule):
    """DALL-E dVAE tokens through mmpretrain's encoder; needs the user's weights file.

    The encoder expects logit-Laplace inputs: x' = 0.8 x + 0.1 for x in [0, 1].
    """

    def __init__(self, weights_file, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if not osp.isfile(weights_file):
            raise FileNotFoundError(
                f'DALL-E encoder weights {weights_file} not found. Put the mmpretrain '
                'DALL-E encoder checkpoint (the one its BEiT v1 configs load) at that '
                'path, or set model.target_generator.weights_file to where it is.')
        from mmpretrain.models.selfsup.cae import DALLEEncoder
        self.encoder = DALLEEncoder(
            init_cfg=dict(type='Pretrained', checkpoint=weights_file))
        self.encoder.requires_grad_(False)
        self.vocab_size = 8192

    @torch.no_grad()
    def forward(self, images):
        logits = self.encoder(images * 0.8 + 0.1)
        return logits.argmax(dim=1).flatten(1)
