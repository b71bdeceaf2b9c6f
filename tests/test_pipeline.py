"""The threaded pipeline gives the chain's own samples, stops cleanly and holds little."""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np
import pytest

from grutui.dsp import Chain
from grutui.dsp.pipeline import pipelined_blocks
from grutui.params import Params


def serial_aligned(chain: Chain, blocks: list[np.ndarray]) -> np.ndarray:
    """The chain's output in one thread, latency dropped and the tail flushed."""
    out = chain.process(np.concatenate(blocks))
    tail = chain.process(np.zeros((chain.latency_samples, chain.channels), np.float32))
    return np.concatenate([out, tail])[chain.latency_samples :]


def cut(x: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    blocks, start, i = [], 0, 0
    while start < len(x):
        blocks.append(x[start : start + sizes[i % len(sizes)]])
        start += sizes[i % len(sizes)]
        i += 1
    return blocks


@pytest.mark.parametrize("factor", [1, 2, 4, 8])
@pytest.mark.parametrize("channels", [1, 2, 3])
def test_pipeline_gives_the_chains_samples_for_any_blocks(factor: int, channels: int):
    rng = np.random.default_rng(factor * 10 + channels)
    x = rng.uniform(-1.5, 1.5, (30_000, channels)).astype(np.float32)
    x[1234, 0] = np.nan
    params = Params(Wf=5, Wh=3, Uf=2, Uh=0.5, bf=1, drive_db=3, mix=70, oversample=factor)
    serial_chain = Chain(48000, channels, 8192, params)
    want = serial_aligned(serial_chain, [x])
    chain = Chain(48000, channels, 1000, params)  # pieces of 1000 frames, 3 in flight
    got = np.concatenate(list(pipelined_blocks(chain, cut(x, [4096, 7, 1000, 15_000]))))
    np.testing.assert_array_equal(got, want)
    assert chain.nonfinite_count == serial_chain.nonfinite_count == 1


def test_a_short_input_shorter_than_the_latency_keeps_its_length():
    chain = Chain(44100, 2, 512, Params(oversample=8))
    x = np.full((5, 2), 0.25, np.float32)
    got = np.concatenate(list(pipelined_blocks(chain, [x])))
    assert got.shape == (5, 2)
    np.testing.assert_array_equal(
        got, serial_aligned(Chain(44100, 2, 512, Params(oversample=8)), [x])
    )


def pipeline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("grutui-pipeline-")]


def test_an_error_while_reading_comes_after_the_output_before_it_and_stops_the_threads():
    def source():
        yield np.zeros((4096, 2), np.float32)
        yield np.zeros((4096, 2), np.float32)
        raise OSError("the disk went away")

    chain = Chain(48000, 2, 1024, Params(oversample=4))
    got = []
    with pytest.raises(OSError, match="disk went away"):
        for out in pipelined_blocks(chain, source()):
            got.append(out)
    assert sum(map(len, got)) <= 8192
    assert not pipeline_threads()


def test_leaving_early_stops_the_threads():
    chain = Chain(48000, 2, 1024, Params(oversample=2))
    blocks = (np.zeros((4096, 2), np.float32) for _ in range(1000))
    results = pipelined_blocks(chain, blocks)
    next(results)
    results.close()
    assert not pipeline_threads()


def test_a_slow_writer_holds_the_reader_back():
    """Memory stays flat: the pipeline reads only a few blocks ahead of what was taken."""
    pulled = 0

    def source():
        nonlocal pulled
        for _ in range(200):
            pulled += 1
            yield np.zeros((1024, 2), np.float32)

    taken = 0
    for _ in pipelined_blocks(Chain(48000, 2, 1024, Params(oversample=1)), source()):
        taken += 1
        if taken in (1, 50):
            time.sleep(0.5)  # a slow disk: everything upstream has time to run ahead
            # 3 in the chain, 3 results waiting and one more done, 2 read, one in the front's
            # and one in the reader's hand
            assert pulled - taken <= 3 + 3 + 1 + 2 + 1 + 1
    assert taken == 200


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own niceness is Linux's")
def test_the_threads_beside_the_gru_yield_to_it():
    chain = Chain(48000, 2, max_block=4096, params=Params(oversample=1))
    blocks = (np.zeros((4096, 2), np.float32) for _ in range(1000))  # more than in flight
    results = pipelined_blocks(chain, blocks)
    next(results)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    nice = {
        t.name.removeprefix("grutui-pipeline-"): os.getpriority(os.PRIO_PROCESS, t.native_id)
        for t in threading.enumerate()
        if t.name.startswith("grutui-pipeline-") and t.native_id is not None and t.is_alive()
    }
    results.close()
    assert nice.pop("gru") == mine  # the critical path keeps the process's priority
    assert nice and all(value == mine + 5 for value in nice.values()), nice
