"""Does this mmcv have compiled ops, and do they compute what torchvision computes?

    python tools/benchmarks/mmcv_ops_check.py

``import mmcv.ops``, then one ``RoIAlign`` and one ``nms`` call on each device there is
(CPU, and CUDA when available; the CUDA calls are skipped, and said so, without a
GPU), each compared with torchvision's op on the same input. The first thing to run
with a newly built mmcv wheel: Mask R-CNN needs these kernels. The last line is one
JSON object; the exit code is 1 if the import or a call failed or disagreed.
"""
import json
import sys


def compare_on(device):
    """Max |mmcv - torchvision| of RoIAlign, and whether nms keeps the same boxes."""
    import torch
    import torchvision.ops as tv
    from mmcv.ops import RoIAlign, nms
    gen = torch.Generator().manual_seed(0)
    feats = torch.rand(2, 4, 16, 16, generator=gen).to(device)
    rois = torch.tensor([[0, 1.0, 1.0, 9.5, 7.0], [1, 3.0, 2.0, 14.0, 15.0]], device=device)
    ours = RoIAlign((4, 4), spatial_scale=1.0, sampling_ratio=2, aligned=True)(feats, rois)
    theirs = tv.roi_align(feats, rois, (4, 4), spatial_scale=1.0, sampling_ratio=2,
                          aligned=True)
    xy = torch.rand(64, 2, generator=gen) * 50
    boxes = torch.cat([xy, xy + 5 + torch.rand(64, 2, generator=gen) * 20], 1).to(device)
    scores = torch.rand(64, generator=gen).to(device)
    _, kept = nms(boxes, scores, 0.5)
    kept_tv = tv.nms(boxes, scores, 0.5)
    return dict(roi_align_max_abs_diff=float((ours - theirs).abs().max()),
                nms_same=sorted(kept.tolist()) == sorted(kept_tv.tolist()),
                nms_kept=int(kept.numel()))


def main():
    import mmcv
    import torch
    out = dict(mmcv=mmcv.__version__, torch=torch.__version__, cuda=torch.cuda.is_available())
    try:
        import mmcv.ops  # noqa: F401
        out['ops_import'] = 'ok'
    except Exception as err:  # an mmcv built without ops, or a wheel for another torch
        out['ops_import'] = f'{type(err).__name__}: {err}'
    ok = out['ops_import'] == 'ok'
    for device in ('cpu', 'cuda'):
        if not ok:
            break
        if device == 'cuda' and not torch.cuda.is_available():
            out['cuda_calls'] = 'skipped: no CUDA device'
            continue
        try:
            result = compare_on(device)
            result['ok'] = result['roi_align_max_abs_diff'] < 1e-4 and result['nms_same']
        except Exception as err:  # no kernel for this device, a bad build
            result = dict(ok=False, error=f'{type(err).__name__}: {err}')
        out[f'{device}_calls'] = result
        ok = ok and result['ok']
    out['ok'] = ok
    print(json.dumps(out))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
