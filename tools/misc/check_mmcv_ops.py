"""Check that mmcv's compiled ops load and compute: ``import mmcv.ops``, then nms and
RoIAlign on small inputs with known results, on the device asked for.

The first command on a GPU node after installing its kit (docs/gpu_node.md):
``python tools/misc/check_mmcv_ops.py --device cuda``; tools/misc/build_mmcv_cuda.sh runs
it on CPU after building. Prints one line, exits 1 on a wrong result.
"""
import argparse
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--device', default='cuda', help='cuda (default) or cpu')
    device = parser.parse_args().device

    import torch
    from mmcv.ops import RoIAlign, get_compiling_cuda_version, nms
    if device == 'cuda' and not torch.cuda.is_available():
        sys.exit('ERROR: torch sees no GPU (torch.cuda.is_available() is False)')
    # boxes 0 and 1 overlap with IoU 81/119 = 0.68 > 0.5: nms keeps 0 and 2
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [20., 20., 30., 30.]],
                         device=device)
    _, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7], device=device), iou_threshold=0.5)
    # one bin over the whole 4x4 ramp, aligned: one sample at its centre, the mean 7.5
    feature = torch.arange(16., device=device).reshape(1, 1, 4, 4)
    rois = torch.tensor([[0., 0., 0., 4., 4.]], device=device)
    pooled = RoIAlign((1, 1), 1.0, sampling_ratio=1, aligned=True)(feature, rois)
    name = torch.cuda.get_device_name() if device == 'cuda' else 'CPU'
    print(f'torch {torch.__version__} (cuda {torch.version.cuda}), mmcv ops compiled with '
          f'cuda {get_compiling_cuda_version()}, on {name}: nms kept {keep.tolist()}, '
          f'RoIAlign gave {pooled.item()}')
    if keep.tolist() != [0, 2] or pooled.item() != 7.5:
        sys.exit('ERROR: wrong results (expected nms [0, 2], RoIAlign 7.5)')
    print('OK: mmcv.ops imports and computes')


if __name__ == '__main__':
    main()
