# The demo scenes (make demo) as a folder-format semantic segmentation dataset:
# images/{train,val}/*.jpg with label maps seg/{train,val}/*.png (0 = background).
dataset_type = 'BaseSegDataset'
data_root = 'data/demo/'
crop_size = (128, 128)
metainfo = dict(classes=('background', 'disc', 'square', 'triangle', 'ring'),
                palette=[[0, 0, 0], [220, 60, 60], [60, 160, 60], [60, 90, 220], [230, 180, 30]])
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', _scope_='mmseg', reduce_zero_label=False),
    # label values outside the 5 classes (and 255) -> 255, ignored, with a warning
    dict(type='mmseg.CheckSegLabels', num_classes=5),
    dict(type='RandomResize', _scope_='mmseg', scale=(256, 128), ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.9),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(256, 128), keep_ratio=True),
    dict(type='LoadAnnotations', _scope_='mmseg', reduce_zero_label=False),
    # label values outside the 5 classes (and 255) -> 255, ignored, with a warning
    dict(type='mmseg.CheckSegLabels', num_classes=5),
    dict(type='mmseg.PackSegInputs'),
]
dataset = dict(type=dataset_type, data_root=data_root, metainfo=metainfo,
               img_suffix='.jpg', seg_map_suffix='.png', reduce_zero_label=False)
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(dataset, data_prefix=dict(img_path='images/train', seg_map_path='seg/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(dataset, data_prefix=dict(img_path='images/val', seg_map_path='seg/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
