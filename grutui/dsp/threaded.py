"""A chain whose channels run on several threads, for rendering on every core.

Channels are independent (one state each), so a group of channels through its own ``Chain``
gives the same samples as the whole; the kernels release the GIL, so the groups run in parallel.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from grutui.dsp.chain import Chain
from grutui.params import Params


class ThreadedChain:
    """``Chain.process`` with the channels split over up to ``threads`` threads."""

    def __init__(
        self, rate_hz: float, channels: int, params: Params, threads: int, max_block: int = 8192
    ) -> None:
        bounds = np.linspace(0, channels, min(max(threads, 1), channels) + 1).astype(int)
        self._groups = [slice(a, b) for a, b in itertools.pairwise(bounds)]
        self._chains = [Chain(rate_hz, g.stop - g.start, max_block, params) for g in self._groups]
        self._pool = ThreadPoolExecutor(len(self._chains)) if len(self._chains) > 1 else None

    @property
    def latency_samples(self) -> int:
        return self._chains[0].latency_samples

    def reset(self) -> None:
        for chain in self._chains:
            chain.reset()

    def process(self, block: np.ndarray) -> np.ndarray:
        """Process ``block`` (frames, channels); returns a new float32 array."""
        if self._pool is None:
            return self._chains[0].process(block)
        out = np.empty(block.shape, np.float32)

        def run(index: int) -> None:
            group = self._groups[index]
            out[:, group] = self._chains[index].process(np.ascontiguousarray(block[:, group]))

        list(self._pool.map(run, range(len(self._chains))))
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def __enter__(self) -> ThreadedChain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
