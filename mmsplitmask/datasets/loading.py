"""Image loading that survives the odd bad file in a folder of a million images."""
import multiprocessing

import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmengine.logging import MMLogger

from ..registry import register_transform

JPEG_START, JPEG_END = b'\xff\xd8', b'\xff\xd9'


@register_transform()
class LoadImageOrSkip(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that skips unreadable files instead of crashing.

    Greyscale, RGBA, CMYK and 16-bit files are converted to 8-bit BGR by the decoder;
    images of any size load (the crop resizes them), up to OpenCV's limit of 2^30
    pixels, which refuses decompression bombs from their header. A file that cannot
    be read or decoded (empty, not an image, over the limit, a JPEG without its
    end-of-image marker in its last KiB, i.e. truncated) is logged with its path, the
    reason and a running count, and the sample is dropped: mmengine's dataset then
    draws another index. ``on_error='raise'`` fails instead, naming the file.
    :class:`SkippedImagesHook` logs the total count.
    """

    skipped = 0  # per worker process
    # Shared with the data workers forked after import (mp_start_method='fork').
    _total = multiprocessing.Value('q', 0)

    @classmethod
    def total_skipped(cls):
        """Images skipped by this process and the data workers it forked."""
        return cls._total.value

    def __init__(self, on_error='skip', **kwargs):
        if on_error not in ('skip', 'raise'):
            raise ValueError(f"on_error must be 'skip' or 'raise', got {on_error!r}")
        super().__init__(**kwargs)
        self.on_error = on_error

    def _load(self, results):
        data = fileio.get(results['img_path'], backend_args=self.backend_args)
        if not data:
            raise ValueError('empty file')
        # libjpeg decodes a cut-off JPEG with a grey lower part and only a warning.
        # (0xFFD9 cannot occur in JPEG entropy data: it is the end marker.)
        if data[:2] == JPEG_START and JPEG_END not in data[-1024:]:
            raise ValueError('truncated JPEG: no end-of-image marker')
        img = mmcv.imfrombytes(data, flag=self.color_type, backend=self.imdecode_backend)
        if img is None:
            raise ValueError('not a decodable image')
        if self.to_float32:
            img = img.astype(np.float32)
        results.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return results

    def transform(self, results):
        try:
            return self._load(results)
        except Exception as err:  # decoder errors, I/O errors, the checks above
            reason = ' '.join((str(err) or type(err).__name__).split())
            if self.on_error == 'raise':
                raise ValueError(f"cannot read image {results['img_path']}: {reason}") from err
            type(self).skipped += 1
            with self._total.get_lock():
                self._total.value += 1
            MMLogger.get_current_instance().warning(
                f"skipped unreadable image {results['img_path']} ({reason}); "
                f'{type(self).skipped} skipped so far in this process')
            return None
