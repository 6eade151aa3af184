"""Reuse of large batch buffers once their user has let go of them.

A batch of a large population is hundreds of MB of mostly NaN. Allocating
it afresh for every batch costs a page fault per 4 KiB page; a buffer whose
only remaining reference is this pool's can be refilled instead.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

_MIN_BYTES = 16 << 20  # smaller buffers are cheap to allocate


class BufferPool:
    """Hands out NaN-filled float32 arrays, reusing released ones.

    A buffer is reused only when nothing but the pool refers to it (the
    tensor made from it, and every view of that tensor, are gone).
    """

    def __init__(self, max_buffers: int = 4):
        self._bufs: list[np.ndarray] = []
        self._max = max_buffers
        self._lock = threading.Lock()

    def _released(self, i: int) -> bool:
        return sys.getrefcount(self._bufs[i]) <= 2  # the list's and getrefcount's argument

    def nan_filled(self, shape: tuple) -> np.ndarray:
        nbytes = int(np.prod(shape)) * 4
        if nbytes < _MIN_BYTES:
            return np.full(shape, np.nan, dtype=np.float32)
        with self._lock:
            for i in range(len(self._bufs)):
                if self._bufs[i].shape == shape and self._released(i):
                    buf = self._bufs.pop(i)
                    self._bufs.append(buf)
                    buf.fill(np.nan)
                    return buf
            # drop released buffers of other shapes first, then the oldest entries
            self._bufs = [b for i, b in enumerate(self._bufs) if not self._released(i)] \
                if len(self._bufs) >= self._max else self._bufs
            del self._bufs[: max(0, len(self._bufs) - self._max + 1)]
            buf = np.full(shape, np.nan, dtype=np.float32)
            self._bufs.append(buf)
            return buf


POOL = BufferPool()
