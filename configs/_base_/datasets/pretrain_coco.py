# COCO train2017 images only (annotations ignored).
_base_ = './pretrain_folder.py'
train_dataloader = dict(dataset=dict(
    _delete_=True,
    type='CocoImages',
    data_root='data/coco/',
    ann_file='annotations/instances_train2017.json',
    data_prefix='train2017/',
    pipeline={{_base_.train_pipeline}}))
