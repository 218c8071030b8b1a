# A new folder-format segmentation dataset by inheritance: data_root, classes,
# num_classes. Layout: <data_root>/images/{train,val}/*.jpg and seg/{train,val}/*.png
# holding class indices (0 = first class).
_base_ = './upernet_vit-tiny-p16_1xb4-2k_demo.py'
data_root = 'data/my_folder_dataset/'
metainfo = dict(classes=('background', 'disc', 'square', 'triangle', 'ring'))
# the encoder pre-trained on your images (splitmask_..._my-images.py)
pretrained = dict(
    type='Pretrained', prefix='backbone.',
    checkpoint='work_dirs/splitmask_vit-tiny-p16_1xb32-coslr-60e_my-images/epoch_60.pth')
model = dict(
    backbone=dict(init_cfg=pretrained),
    decode_head=dict(num_classes=5), auxiliary_head=dict(num_classes=5))
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
