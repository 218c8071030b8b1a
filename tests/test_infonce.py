"""InfoNCE against an independent reference, in one process and across two."""
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from mmsplitmask.models.losses import symmetric_info_nce


def reference_info_nce(x_a, x_b, temperature):
    """Textbook InfoNCE written out with explicit log-sum-exp, both directions."""
    a, b = F.normalize(x_a, dim=1), F.normalize(x_b, dim=1)
    total = 0.0
    for q, k in ((a, b), (b, a)):
        sims = q @ k.T / temperature
        total = total + (torch.logsumexp(sims, dim=1) - sims.diagonal()).mean()
    return total / 2


def test_matches_reference_single_process():
    torch.manual_seed(0)
    x_a, x_b = torch.randn(8, 16), torch.randn(8, 16)
    loss, acc = symmetric_info_nce(x_a, x_b, temperature=0.2)
    torch.testing.assert_close(loss, reference_info_nce(x_a, x_b, 0.2))
    assert 0 <= acc <= 1
    perfect_loss, perfect_acc = symmetric_info_nce(x_a, x_a * 2, temperature=0.2)
    assert perfect_acc == 1 and perfect_loss < loss
    # the defaults are MoCo v3's (and the paper's): temperature 0.2, l2-normalised
    torch.testing.assert_close(symmetric_info_nce(x_a, x_b)[0], loss)
    raw, _ = symmetric_info_nce(x_a, x_b, temperature=0.5, normalize=False)
    want = sum(F.cross_entropy(q @ k.T / 0.5, torch.arange(8)) for q, k in ((x_a, x_b), (x_b, x_a)))
    torch.testing.assert_close(raw, want / 2)


def _worker(rank, world, init_file, x_a, x_b, out_dir):
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world)
    per = x_a.shape[0] // world
    a = x_a[rank * per:(rank + 1) * per].clone().requires_grad_()
    b = x_b[rank * per:(rank + 1) * per].clone().requires_grad_()
    loss, acc = symmetric_info_nce(a, b, temperature=0.2)
    loss.backward()
    torch.save(dict(loss=loss.detach(), acc=acc, grad_a=a.grad, grad_b=b.grad),
               os.path.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()


def test_two_processes_gather_negatives_with_gradients(tmp_path):
    torch.manual_seed(1)
    x_a, x_b = torch.randn(8, 16), torch.randn(8, 16)
    mp.spawn(_worker, args=(2, str(tmp_path / 'init'), x_a, x_b, str(tmp_path)), nprocs=2)
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]

    full_a, full_b = x_a.clone().requires_grad_(), x_b.clone().requires_grad_()
    full = reference_info_nce(full_a, full_b, 0.2)
    full.backward()
    # Each rank averages over its own queries against all 8 keys: mean of ranks = full.
    torch.testing.assert_close((ranks[0]['loss'] + ranks[1]['loss']) / 2, full.detach())
    # Through the gather each rank's inputs receive the gradients of both ranks'
    # losses, i.e. of their sum = 2 x the full-batch mean (DDP then averages by 2).
    grad_a = torch.cat([r['grad_a'] for r in ranks])
    grad_b = torch.cat([r['grad_b'] for r in ranks])
    torch.testing.assert_close(grad_a, 2 * full_a.grad)
    torch.testing.assert_close(grad_b, 2 * full_b.grad)
