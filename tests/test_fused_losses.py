"""The fused chunked classifier + cross-entropy equals F.linear + F.cross_entropy."""
import pytest
import torch
import torch.nn.functional as F

from mmsplitmask.models import SplitMaskHead
from mmsplitmask.models.losses import linear_cross_entropy


def reference(x, weight, bias, labels):
    logits = F.linear(x, weight, bias)
    return F.cross_entropy(logits, labels), (logits.argmax(1) == labels).float().mean()


def grads(loss_fn, tensors):
    for t in tensors:
        t.grad = None
    loss, acc = loss_fn()
    (3.0 * loss).backward()  # a non-unit upstream gradient must scale all three
    return loss.detach(), acc, [t.grad.clone() for t in tensors]


@pytest.mark.parametrize('chunk_rows', [7, 64, 1000])  # uneven last chunk, several, one
def test_loss_gradients_and_accuracy_match_cross_entropy(chunk_rows):
    torch.manual_seed(0)
    x = torch.randn(150, 24, requires_grad=True)
    weight = (torch.randn(300, 24) * 0.3).requires_grad_()
    bias = torch.randn(300).requires_grad_()
    labels = torch.randint(0, 300, (150, ))
    labels[:40] = F.linear(x, weight, bias)[:40].argmax(1)  # some rows right, for accuracy
    fused = grads(lambda: linear_cross_entropy(x, weight, bias, labels, chunk_rows),
                  (x, weight, bias))
    ref = grads(lambda: reference(x, weight, bias, labels), (x, weight, bias))
    torch.testing.assert_close(fused[0], ref[0])
    assert fused[1] == ref[1] and fused[1] >= 40 / 150
    for got, want in zip(fused[2], ref[2]):
        torch.testing.assert_close(got, want)


def test_without_gradients_and_under_bf16_autocast():
    torch.manual_seed(1)
    x, weight, bias = torch.randn(50, 16), torch.randn(40, 16), torch.randn(40)
    labels = torch.randint(0, 40, (50, ))
    with torch.no_grad():
        loss, _ = linear_cross_entropy(x, weight, bias, labels, 16)
    torch.testing.assert_close(loss, reference(x, weight, bias, labels)[0])
    x.requires_grad_()
    weight.requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss, _ = linear_cross_entropy(x, weight, bias, labels, 16)
    loss.backward()
    assert loss.dtype == torch.float32 and x.grad.dtype == torch.float32
    torch.testing.assert_close(loss, reference(x, weight, bias, labels)[0], atol=0.05, rtol=0)
    # the weight's gradient, summed in fp32 over 4 chunks of bf16 products
    got = weight.grad
    want = grads(lambda: reference(x, weight, bias, labels), [weight])[2][0] / 3
    torch.testing.assert_close(got, want, atol=0.02, rtol=0.05)


def test_head_loss_matches_unfused_classifier():
    """SplitMaskHead's inpainting loss is cross-entropy at the predicted positions."""
    torch.manual_seed(2)
    head = SplitMaskHead(embed_dims=16, vocab_size=32, chunk_rows=5)
    head.init_weights()
    feats = torch.randn(4, 6, 16, requires_grad=True)  # 2 images x 2 branches, 6 patches
    predict = torch.tensor([[0, 2, 4], [1, 3, 5], [1, 3, 5], [0, 2, 4]])
    target = torch.randint(0, 32, (2, 6))
    losses = head.loss(feats, predict, target)
    losses['loss_mim'].backward()
    got = feats.grad.clone()
    feats.grad = None
    picked = torch.stack([feats[i, predict[i]] for i in range(4)]).flatten(0, 1)
    labels = torch.stack([target[i % 2, predict[i]] for i in range(4)]).flatten()
    want, acc = reference(picked, head.cls_head.weight, head.cls_head.bias, labels)
    want.backward()
    torch.testing.assert_close(losses['loss_mim'], want)
    assert losses['acc_token'] == acc
    torch.testing.assert_close(got, feats.grad)


def test_head_defaults_are_the_papers():
    head = SplitMaskHead(embed_dims=16)
    assert (head.cls_head.in_features, head.cls_head.out_features) == (16, 8192)
    assert head.temperature == 0.2 and head.normalize and head.projector is None
    assert head.match_loss_weight == 1.0 and head.mim_loss_weight == 1.0
    assert head.chunk_rows == 1024 and head.init_cfg is None
    assert SplitMaskHead(16, init_cfg=dict(type='Pretrained')).init_cfg == dict(type='Pretrained')


def test_loss_weights_and_projector():
    """Each weight scales its loss (0 gives the paper's one-loss ablations); a projector
    (Linear, GELU, Linear) maps the mean descriptors before the matching."""
    from mmsplitmask.models.losses import symmetric_info_nce
    torch.manual_seed(3)
    feats = torch.randn(4, 6, 16)
    predict = torch.tensor([[0, 2, 4], [1, 3, 5], [1, 3, 5], [0, 2, 4]])
    target = torch.randint(0, 32, (2, 6))
    plain = SplitMaskHead(embed_dims=16, vocab_size=32)
    plain.init_weights()
    weighted = SplitMaskHead(embed_dims=16, vocab_size=32, mim_loss_weight=0.5,
                             match_loss_weight=0.0)
    weighted.load_state_dict(plain.state_dict())
    ours, theirs = plain.loss(feats, predict, target), weighted.loss(feats, predict, target)
    torch.testing.assert_close(theirs['loss_mim'], 0.5 * ours['loss_mim'])
    assert theirs['loss_match'] == 0 and ours['loss_match'] > 0
    assert theirs['acc_token'] == ours['acc_token'] and theirs['acc_match'] == ours['acc_match']

    head = SplitMaskHead(embed_dims=16, vocab_size=32, temperature=0.5, normalize=False,
                         projector=dict(hidden_dims=8, out_dims=4))
    head.init_weights()
    first, act, last = head.projector
    assert isinstance(act, torch.nn.GELU)
    assert (first.in_features, first.out_features, last.in_features, last.out_features) == (
        16, 8, 8, 4)
    x_a, x_b = head.projector(feats.mean(dim=1)).chunk(2)
    want, _ = symmetric_info_nce(x_a, x_b, temperature=0.5, normalize=False)
    torch.testing.assert_close(head.loss(feats, predict, target)['loss_match'], want)
