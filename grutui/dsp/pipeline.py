"""The chain's aligned output with its parts on both cores: a pipeline of threads.

Reading, the chain's front (drive, upsampling), the GRU and its back (downsampling, DC blocker,
gain, mix) each run in a thread of their own, a block in each at once, while the caller writes
the last result. The kernels drop the GIL and so do libsndfile's reads and writes, so the parts
overlap: at 1x the GRU runs beside everything else, at 4x the filters run beside the GRU.

Each part keeps its own state and takes the blocks in order, so the samples are those of
``Chain.process`` on the same input, whatever the threads do. Memory is bounded: at most
``in_flight`` blocks are in the chain's parts, two read blocks wait and ``in_flight`` results.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from grutui.dsp.chain import Buffers, Chain

_END = object()  # after the last block, through every queue
_POLL_S = 0.1  # how often a waiting thread looks whether the pipeline is stopping
_HELPER_NICE = 5  # the threads beside the GRU yield to it when they share its core


class _Stopping(Exception):  # noqa: N818 - control flow inside this module only
    """The pipeline is being stopped: the thread ends quietly."""


def pipelined_blocks(
    chain: Chain, blocks: Iterable[np.ndarray], *, in_flight: int = 3
) -> Iterator[np.ndarray]:
    """Run ``blocks`` (each (frames, chain.channels) float32, C order) through ``chain`` and
    yield its output aligned with them, as ``aligned_blocks`` does, with the work in threads.

    ``blocks`` is iterated in a thread of its own. An exception there or in the chain is raised
    here, after the output before it; closing the generator (or an exception in the caller's
    loop, Ctrl-C included) stops the threads within ``_POLL_S``.
    """
    pipe = _Pipeline(chain, blocks, in_flight)
    try:
        yield from pipe.results()
    finally:
        pipe.stop()


class _Pipeline:
    def __init__(self, chain: Chain, blocks: Iterable[np.ndarray], in_flight: int) -> None:
        self.chain = chain
        self.stopping = threading.Event()
        self.error: BaseException | None = None
        self.nonfinite = [0, 0]  # counted by the front and by the GRU
        self.read: queue.Queue[Any] = queue.Queue(2)
        self.to_gru: queue.Queue[Any] = queue.Queue()
        self.to_back: queue.Queue[Any] = queue.Queue()
        self.done: queue.Queue[Any] = queue.Queue(in_flight)
        self.free: queue.Queue[Buffers] = queue.Queue()
        for _ in range(in_flight):
            self.free.put(chain.new_buffers())
        parts: list[tuple[str, Callable[[], None]]] = [
            ("read", lambda: self._read(blocks)),
            ("front", self._front),
            ("gru", self._gru),
            ("back", self._back),
        ]
        self.threads = [
            threading.Thread(
                target=self._run,
                args=(body, name != "gru"),
                name=f"grutui-pipeline-{name}",
                daemon=True,
            )
            for name, body in parts
        ]
        for thread in self.threads:
            thread.start()

    # -- the caller's side
    def results(self) -> Iterator[np.ndarray]:
        while True:
            try:
                item = self.done.get(timeout=_POLL_S)
            except queue.Empty:
                if self.stopping.is_set():  # a part failed
                    break
                continue
            if item is _END:
                break
            yield item
        if self.error is not None:
            raise self.error
        self.chain.nonfinite_count += sum(self.nonfinite)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    # -- the threads
    def _run(self, body: Callable[[], None], helper: bool) -> None:
        if helper:
            _lower_priority()
        try:
            body()
        except _Stopping:
            pass
        except BaseException as exc:
            if self.error is None:
                self.error = exc
            self.stopping.set()

    def _get(self, source: queue.Queue[Any]) -> Any:
        while True:
            try:
                return source.get(timeout=_POLL_S)
            except queue.Empty:
                if self.stopping.is_set():
                    raise _Stopping from None

    def _put(self, target: queue.Queue[Any], item: Any) -> None:
        while True:
            if self.stopping.is_set():
                raise _Stopping
            try:
                target.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                pass

    def _read(self, blocks: Iterable[np.ndarray]) -> None:
        for block in blocks:
            self._put(self.read, block)
        self._put(self.read, _END)

    def _front(self) -> None:
        chain = self.chain
        tail = np.zeros((chain.latency_samples, chain.channels), np.float32)
        while True:
            block = self._get(self.read)
            last = block is _END
            # the tail flushes the chain: the aligned output keeps the input's length
            block = tail if last else np.ascontiguousarray(block, dtype=np.float32)
            for start in range(0, len(block), chain.max_block):
                buffers = self._get(self.free)
                self.nonfinite[0] += chain.front(block[start : start + chain.max_block], buffers)
                self.to_gru.put(buffers)
            if last:
                self.to_gru.put(_END)
                return

    def _gru(self) -> None:
        while (buffers := self._get(self.to_gru)) is not _END:
            self.nonfinite[1] += self.chain.gru(buffers)
            self.to_back.put(buffers)
        self.to_back.put(_END)

    def _back(self) -> None:
        chain = self.chain
        skip = chain.latency_samples
        while (buffers := self._get(self.to_back)) is not _END:
            out = np.empty((buffers.frames, chain.channels), np.float32)
            chain.back(buffers, out)
            self.free.put(buffers)
            dropped = min(skip, len(out))
            skip -= dropped
            if dropped < len(out):
                self._put(self.done, out[dropped:])
        self._put(self.done, _END)


def _lower_priority() -> None:
    """Lower this thread's priority a little: the GRU's thread is the critical path, and with
    five threads on two cores the scheduler would otherwise share its core evenly (a 1x render
    5 % sooner). Linux only, where a thread has a niceness of its own."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _HELPER_NICE)
