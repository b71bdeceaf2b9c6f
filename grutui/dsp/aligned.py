"""The chain's output lined up with its input: what render writes and ``grutui.process``
returns, from this one function.

The chain delays its output by ``latency_frames`` (the oversampling filters). Aligned output
drops that many frames at the start and flushes the chain with as many frames of silence at
the end, so it has the input's length and each output frame belongs to the input frame of the
same index. The chain's output does not depend on how the input is cut into blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from grutui.dsp.chain import Chain

MAX_BLOCK = 8192  # frames per kernel call for offline work: large enough to amortise the calls


def aligned_blocks(chain: Chain, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Run ``blocks`` (each (frames, chain.channels) float32) through ``chain`` and yield its
    output aligned with them: in total exactly as many frames as went in.

    The chain is used as it is (``reset()`` it first for a fresh start); blocks of any length.
    """
    skip = chain.latency_frames
    for block in blocks:
        out = chain.process(block)
        if skip:
            dropped = min(skip, len(out))
            out, skip = out[dropped:], skip - dropped
        if len(out):
            yield out
    tail = chain.process(np.zeros((chain.latency_frames, chain.channels), np.float32))
    if len(tail) > skip:
        yield tail[skip:]
