# ImageNet-1k train; the 1% / 10% configs point ann_file at a subset list.
_base_ = './pretrain_folder.py'
train_dataloader = dict(dataset=dict(
    _delete_=True,
    type='ImageNet',
    data_root='data/imagenet/',
    split='train',
    pipeline={{_base_.train_pipeline}}))
