# A new COCO-format instance dataset by inheritance: data_root, classes, num_classes.
# Layout: <data_root>/annotations/instances_{train,val}.json, images/{train,val}/.
_base_ = './mask-rcnn_vit-tiny-p16-fpn_1xb4-24e_demo.py'
data_root = 'data/my_coco_dataset/'
metainfo = dict(classes=('disc', 'ring'))  # categories of the json to train on
# the encoder pre-trained on your images (splitmask_..._my-images.py)
pretrained = dict(
    type='Pretrained', prefix='backbone.',
    checkpoint='work_dirs/splitmask_vit-tiny-p16_1xb32-coslr-60e_my-images/epoch_60.pth')
model = dict(
    backbone=dict(init_cfg=pretrained),
    roi_head=dict(bbox_head=dict(num_classes=2), mask_head=dict(num_classes=2)))
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator
