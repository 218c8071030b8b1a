"""Image loading that survives the odd bad file in a folder of a million images."""
import multiprocessing

from mmcv.transforms import LoadImageFromFile
from mmengine.logging import MMLogger

from ..registry import register_transform


@register_transform()
class LoadImageOrSkip(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that skips unreadable files instead of crashing.

    Greyscale, RGBA and 16-bit files are converted to 8-bit BGR by the decoder. A
    file that cannot be read or decoded (truncated, empty, not an image) is logged
    with its path and a running count, and the sample is dropped: mmengine's dataset
    then draws another index. ``on_error='raise'`` fails instead, naming the file.
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

    def transform(self, results):
        try:
            return super().transform(results)
        except Exception as err:  # mmcv asserts on undecodable bytes, raises on I/O
            reason = str(err) or type(err).__name__
            if self.on_error == 'raise':
                raise ValueError(f"cannot read image {results['img_path']}: {reason}") from err
            type(self).skipped += 1
            with self._total.get_lock():
                self._total.value += 1
            MMLogger.get_current_instance().warning(
                f"skipped unreadable image {results['img_path']} ({reason}); "
                f'{type(self).skipped} skipped so far in this process')
            return None
