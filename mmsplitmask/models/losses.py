"""Symmetric InfoNCE with negatives gathered from every process, gradients included."""
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.distributed.nn.functional import all_gather


def gather_with_grad(x):
    """Concatenate ``x`` from all processes; backward sends each its gradient."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return x, 0
    return torch.cat(all_gather(x), dim=0), dist.get_rank() * x.shape[0]


def info_nce(query, key, temperature):
    """InfoNCE of local queries against all keys; the positive of query i is key i."""
    keys, offset = gather_with_grad(key)
    logits = query @ keys.T / temperature
    labels = torch.arange(query.shape[0], device=query.device) + offset
    loss = F.cross_entropy(logits, labels)
    accuracy = (logits.argmax(dim=1) == labels).float().mean()
    return loss, accuracy


def symmetric_info_nce(x_a, x_b, temperature=0.2, normalize=True):
    """Mean of A->B and B->A InfoNCE, and the mean top-1 matching accuracy."""
    if normalize:
        x_a, x_b = F.normalize(x_a, dim=1), F.normalize(x_b, dim=1)
    loss_ab, acc_ab = info_nce(x_a, x_b, temperature)
    loss_ba, acc_ba = info_nce(x_b, x_a, temperature)
    return (loss_ab + loss_ba) / 2, (acc_ab + acc_ba) / 2
