# The demo ViTDet Mask R-CNN with a 2-block, 64-wide ViT (block 0 windowed, block 1
# global), the backbone of tests/configs/splitmask_tiny.py; 32 sampled RoIs per image
# in training, 100 proposals in testing (the 4-conv box head on its RoIs took most of
# the time).
_base_ = '../../configs/vitdet/mask-rcnn_vit-tiny-p16-vitdet_1xb4-lsj-24e_demo.py'
model = dict(
    backbone=dict(arch=dict(_delete_=True, embed_dims=64, num_layers=2, num_heads=4),
                  img_size=64, global_blocks=(1, )),
    neck=dict(in_channels=64, out_channels=64),
    rpn_head=dict(in_channels=64, feat_channels=64),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, conv_out_channels=64, fc_out_channels=128),
        mask_roi_extractor=dict(out_channels=64),
        mask_head=dict(in_channels=64, conv_out_channels=64)),
    train_cfg=dict(rcnn=dict(sampler=dict(num=32))),
    test_cfg=dict(rpn=dict(nms_pre=200, max_per_img=100)))
