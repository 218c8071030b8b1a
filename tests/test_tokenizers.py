"""Tokenizers: argmax over unit codebook vectors of 8x8 half-resolution patches."""
import torch
import torch.nn.functional as F

from mmsplitmask.models import CodebookTokenizer, RandomProjectionTokenizer
from mmsplitmask.models.tokenizers import IMAGENET_MEAN, IMAGENET_STD


def brute_force_tokens(images, codebook, normalize=False):
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    x = (images - mean) / std
    b, _, h, w = x.shape
    out = torch.empty(b, (h // 8) * (w // 8), dtype=torch.long)
    for i in range(b):
        for r in range(h // 8):
            for c in range(w // 8):
                v = x[i, :, r * 8:(r + 1) * 8, c * 8:(c + 1) * 8].reshape(-1)
                if normalize:
                    v = (v - v.mean()) / (v.std() + 1e-6)
                scores = torch.stack([v @ e for e in codebook])
                out[i, r * (w // 8) + c] = scores.argmax()
    return out


def test_random_projection_matches_brute_force():
    tok = RandomProjectionTokenizer(vocab_size=512, seed=3)
    torch.testing.assert_close(tok.codebook.norm(dim=1), torch.ones(512))
    images = torch.rand(2, 3, 32, 48)
    assert torch.equal(tok(images), brute_force_tokens(images, tok.codebook))
    assert torch.equal(RandomProjectionTokenizer(vocab_size=512, seed=3).codebook, tok.codebook)


def test_codebook_file_tokenizer(tmp_path):
    codebook = F.normalize(torch.randn(64, 192), dim=1)
    path = tmp_path / 'codebook.pth'
    torch.save(dict(codebook=codebook, method='kmeans', normalize_patches=True), path)
    tok = CodebookTokenizer(str(path), vocab_size=64)
    images = torch.rand(1, 3, 16, 24)
    assert torch.equal(tok(images), brute_force_tokens(images, codebook, normalize=True))


def test_missing_codebook_file_says_how_to_build_it(tmp_path):
    import pytest
    with pytest.raises(FileNotFoundError, match='fit_tokenizer.py'):
        CodebookTokenizer(str(tmp_path / 'nope.pth'))


def test_fit_tokenizer_builds_codebooks_from_a_config(scenes, tmp_path):
    from conftest import run_tool
    for method in ('random_patches', 'kmeans'):
        out = tmp_path / f'{method}.pth'
        run_tool('tools/dataset_tools/fit_tokenizer.py', 'tests/configs/splitmask_tiny.py',
                 '--method', method, '--out', str(out), '--vocab-size', '64',
                 '--num-patches', '3000', '--iters', '5', '--cfg-options',
                 f'train_dataloader.dataset.data_root={scenes}/pretrain')
        saved = torch.load(out, weights_only=True)
        assert saved['method'] == method and saved['codebook'].shape == (64, 192)
        tok = CodebookTokenizer(str(out), vocab_size=64)
        torch.testing.assert_close(tok.codebook.norm(dim=1), torch.ones(64))
        ids = tok(torch.rand(2, 3, 32, 32))
        assert ids.shape == (2, 16) and ids.max() < 64


def test_dalle_without_weights_says_where_to_put_them(tmp_path):
    import pytest

    from mmsplitmask.models import DALLETokenizer
    with pytest.raises(FileNotFoundError, match='weights_file'):
        DALLETokenizer(str(tmp_path / 'dalle_encoder.pth'))
