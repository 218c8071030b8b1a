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



class LinearCrossEntropy(torch.autograd.Function):
    """Mean cross-entropy of ``x @ weight.T + bias`` against ``labels``, chunk by chunk.

    The (rows, vocab) logits are never stored whole: each chunk's softmax becomes its
    gradient (softmax - onehot) in place, and the gradients of x, weight and bias are
    accumulated during the forward. That is valid because the loss is a terminal
    scalar: backward only scales them by the incoming gradient. Also returns the
    top-1 accuracy, which needs the logits and so is cheapest here.
    Under autocast the matmuls run in the autocast dtype and the softmax in fp32.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, labels, chunk_rows):
        device = x.device.type
        dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else x.dtype
        need_grad = any(ctx.needs_input_grad[:3])
        x_, w, b = x.to(dtype), weight.to(dtype), bias.to(dtype)
        grad_x = torch.empty_like(x_)
        grad_w = torch.zeros_like(weight, dtype=torch.float32)
        grad_b = torch.zeros_like(bias, dtype=torch.float32)
        loss = x.new_zeros((), dtype=torch.float32)
        correct = x.new_zeros((), dtype=torch.long)
        for start in range(0, x.shape[0], chunk_rows):
            xs, ys = x_[start:start + chunk_rows], labels[start:start + chunk_rows]
            logp = torch.log_softmax(torch.addmm(b, xs, w.t()).float(), dim=1)
            correct += (logp.argmax(dim=1) == ys).sum()
            loss -= logp.gather(1, ys[:, None]).sum()
            if need_grad:
                grad = logp.exp_()  # softmax, in place
                grad[torch.arange(len(ys), device=x.device), ys] -= 1
                grad = grad.to(dtype)
                torch.mm(grad, w, out=grad_x[start:start + chunk_rows])
                _accumulate_mm(grad_w, grad.t(), xs)
                grad_b += grad.sum(dim=0)
        rows = x.shape[0]
        if need_grad:  # 1/rows of the mean is applied once here, not per chunk
            ctx.save_for_backward(grad_x.to(x.dtype).div_(rows),
                                  grad_w.div_(rows).to(weight.dtype),
                                  grad_b.div_(rows).to(bias.dtype))
        accuracy = correct.float() / rows
        ctx.mark_non_differentiable(accuracy)
        return loss / rows, accuracy

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss, _grad_accuracy):
        grad_x, grad_w, grad_b = ctx.saved_tensors
        return grad_x * grad_loss, grad_w * grad_loss, grad_b * grad_loss, None, None


def _accumulate_mm(acc, a, b):
    """acc += a @ b, in place when the dtypes allow it (no (vocab, C) temporary)."""
    if a.dtype == acc.dtype:
        acc.addmm_(a, b)
    else:
        acc += (a @ b).to(acc.dtype)


def linear_cross_entropy(x, weight, bias, labels, chunk_rows=1024):
    """(mean cross-entropy, top-1 accuracy) of a linear classifier on the rows of x,
    without materialising all logits. Loss and gradients equal F.cross_entropy's."""
    return LinearCrossEntropy.apply(x, weight, bias, labels, chunk_rows)
