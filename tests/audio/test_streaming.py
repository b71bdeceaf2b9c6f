"""Streaming from disk, seeks and the loudness match, driven through ``process_block`` (no
server)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from audio_helpers import allocated_bytes, crest_sine, play_blocks

from grutui import audiofile
from grutui.audio import sources
from grutui.audio.match import excerpt_spans
from grutui.audio.player import Player
from grutui.audio.sources import LOOP_FADE_S
from grutui.dsp import Chain
from grutui.dsp.loudness import integrated_loudness_lufs
from grutui.params import Params
from grutui.ui.source import load_source

RATE_HZ, BLOCK = 48000, 128
HOT = Params(Wh=3.0, Wf=2.0, drive_db=3.0, oversample=4)


def prepared(player: Player, loop: bool) -> Player:
    """``player`` ready for ``process_block``, as ``start()`` leaves it."""
    player.loop = loop
    player.prepare_offline()
    return player


def noise_file(path, seconds: float, channels: int = 2) -> np.ndarray:
    x = np.random.default_rng(3).normal(0, 0.3, (round(seconds * RATE_HZ), channels))
    sf.write(path, x.astype(np.float32), RATE_HZ, subtype="FLOAT")
    return x.astype(np.float32)


@pytest.mark.parametrize("loop", [True, False], ids=["loop", "once"])
def test_streamed_file_plays_the_same_samples_as_one_in_memory(tmp_path, loop) -> None:
    # A 0.5 s ring over a 0.7 s file: the ring wraps, and looping crosses the file's end often.
    x = noise_file(tmp_path / "in.wav", 0.7)
    held = prepared(Player(x, RATE_HZ, HOT, blocksize=BLOCK), loop)
    streamed = prepared(
        Player.from_file(tmp_path / "in.wav", HOT, blocksize=BLOCK, stream=True, ring_s=0.5),
        loop,
    )
    assert streamed.streamed and not held.streamed
    try:
        a = play_blocks(held, 900)
        b = play_blocks(streamed, 900)
    finally:
        held.close()
        streamed.close()
    assert len(a) == len(b) and np.array_equal(a, b)
    if loop:
        assert len(a) == 900 * BLOCK  # 2.4 s of a 0.7 s file: it went round three times
        assert streamed.position_s == pytest.approx(held.position_s)
    else:
        assert len(a) < 900 * BLOCK
        assert streamed.status().message == held.status().message == "end of file"
        assert np.array_equal(a[: len(x)], Chain(RATE_HZ, 2, 4096, HOT).process(x))


def test_streamed_callback_allocates_no_arrays(tmp_path) -> None:
    noise_file(tmp_path / "in.wav", 10.0)
    player = prepared(
        Player.from_file(tmp_path / "in.wav", HOT, blocksize=BLOCK, stream=True, ring_s=8.0),
        loop=True,
    )
    player.seek(8.0)  # the 4 s measured below cross the end of the file and loop
    play_blocks(player, 50)
    # tracemalloc sees every thread: let the loudness thread finish and the reader fill the
    # ring, then hold the reader idle (it allocates while it reads a file, the callback never).
    assert player.loudness.wait(30) and player.source.wait_filled(30)
    player.source.pause()
    out = np.zeros((BLOCK, 2), np.float32)

    def play() -> None:
        for i in range(1500):
            if i % 300 == 0:
                player.bypass = not player.bypass
            player.process_block(out)

    peak, held = allocated_bytes(play)
    underruns, position_s = player.meters.underruns, player.position_s
    player.close()
    assert peak < 1024, f"callback allocated {peak} bytes at peak"
    assert held < 1024
    assert underruns == 0 and player.meters.error == ""
    assert 1.5 < position_s < 3.0  # went round the end


def test_a_reader_that_falls_behind_gives_silence_and_counts_underruns(tmp_path) -> None:
    noise_file(tmp_path / "in.wav", 2.0)
    player = prepared(
        Player.from_file(tmp_path / "in.wav", Params(), blocksize=BLOCK, stream=True, ring_s=0.5),
        loop=True,
    )
    play_blocks(player, 10)
    player.source.pause()  # a disk that stops answering
    out = np.zeros((BLOCK, 2), np.float32)
    for _ in range(400):  # 1 s: more than the 0.5 s ring holds
        player.process_block(out)
    assert player.meters.underruns > 0
    assert player.status().underruns == player.meters.underruns
    assert np.all(out == 0.0)
    player.source.resume()
    assert player.source.wait_filled(10)
    count = player.meters.underruns
    peak = 0.0
    for _ in range(100):
        player.process_block(out)
        peak = max(peak, float(np.abs(out).max()))
    player.close()
    assert player.meters.underruns == count  # caught up: no more
    assert peak > 0.1


@pytest.mark.parametrize("stream", [False, True], ids=["memory", "streamed"])
@pytest.mark.parametrize("params", [Params(mix=0.0), Params()], ids=["dry", "wet"])
def test_seek_fades_out_jumps_clears_the_chain_and_fades_in(tmp_path, stream, params) -> None:
    freq_hz = 220.0
    t = np.arange(4 * RATE_HZ) / RATE_HZ
    tone = (0.5 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    sf.write(tmp_path / "sine.wav", np.stack([tone, tone], axis=1), RATE_HZ, subtype="FLOAT")
    player = prepared(
        Player.from_file(tmp_path / "sine.wav", params, blocksize=BLOCK, stream=stream),
        loop=False,
    )
    target_s = 2.5 + 0.25 / freq_hz  # a quarter period off: a different phase

    def seek(i: int) -> None:
        if i == 300:
            player.seek(target_s)
            assert player.position_s == pytest.approx(target_s, abs=1 / RATE_HZ)

    y = play_blocks(player, 600, seek)[:, 0].astype(np.float64)
    position_s = player.position_s
    player.close()
    steps = np.abs(np.diff(y))
    steady = steps[RATE_HZ // 2 : 300 * BLOCK].max()  # the tone's own steepest step
    around = steps[300 * BLOCK : 300 * BLOCK + 6 * BLOCK]  # fade out, jump, fade in
    print(f"max step from the seek on {around.max():.5f}, steady {steady:.5f}")
    assert around.max() <= steady * 1.01
    assert position_s == pytest.approx(target_s + (600 - 300) * BLOCK / RATE_HZ, abs=0.02)
    # The fade reached silence (the jump happened while nothing was heard).
    assert np.abs(y[300 * BLOCK : 300 * BLOCK + 6 * BLOCK]).min() < 1e-6


def play_looped(path, params: Params, stream: bool, passes: float) -> tuple[np.ndarray, int, float]:
    """Channel 0 of ``passes`` times the file at ``path`` played in a loop through the callback,
    the chain's latency and the position at the end."""
    player = prepared(Player.from_file(path, params, blocksize=BLOCK, stream=stream), loop=True)
    assert player.streamed == stream
    try:
        y = play_blocks(player, round(passes * player.source.frames / BLOCK))
        latency = Chain(RATE_HZ, player.channels, BLOCK, params).latency_samples
        return y[:, 0].astype(np.float64), latency, player.position_s
    finally:
        player.close()


@pytest.mark.parametrize("stream", [False, True], ids=["memory", "streamed"])
@pytest.mark.parametrize("params", [Params(mix=0.0), Params()], ids=["dry", "wet"])
def test_loop_point_fades_out_and_in_without_a_step(tmp_path, monkeypatch, stream, params) -> None:
    # About 0.5 s of a 220 Hz sine from 0 to its crest: the wrap jumps by 0.5 unless faded.
    x = crest_sine(220.0, 0.5, 0.5)
    frames = len(x)
    sf.write(tmp_path / "sine.wav", x, RATE_HZ, subtype="FLOAT")
    y, latency, position_s = play_looped(tmp_path / "sine.wav", params, stream, 2.6)
    fade = round(LOOP_FADE_S * RATE_HZ)
    steps = np.abs(np.diff(y))
    steady = steps[RATE_HZ // 10 : frames - fade].max()  # the first pass, settled
    wraps = [k * frames + latency for k in (1, 2)]  # output frame of the first after a wrap
    half = RATE_HZ // 100  # 10 ms either side of the loop point
    around = max(steps[w - half : w + half].max() for w in wraps)
    # The control: the same loop with the fade switched off clicks at every wrap.
    monkeypatch.setattr(sources, "LOOP_FADE_S", 0.0)
    bare = np.abs(np.diff(play_looped(tmp_path / "sine.wav", params, stream, 2.6)[0]))
    clicks = [bare[w - half : w + half].max() for w in wraps]
    print(f"loop point: max step {around:.5f} (unfaded {min(clicks):.5f}), steady {steady:.5f}")
    assert min(clicks) > 5 * steady
    assert around <= steady * 1.01
    assert steps[RATE_HZ // 10 :].max() <= steady * 1.01
    # The first pass is unfaded from its start: the render's samples, up to the fade out.
    render = Chain(RATE_HZ, 2, 4096, params).process(x)[:, 0]
    assert np.array_equal(y[: frames - fade], render[: frames - fade])
    if params.mix == 0.0:  # dry: only the fade's frames differ from the file looped, in time
        for w in wraps:  # and the fade reaches (near) silence at the loop point
            assert np.abs(y[w - 2 : w + 2]).max() < 0.01
        looped = np.tile(x[:, 0], 3)[: len(y) - latency].astype(np.float64)
        far = np.ones(len(looped), bool)
        for w in wraps:
            far[w - latency - fade : w - latency + fade] = False
        assert np.allclose(y[latency:][far], looped[far], atol=1e-6)
        assert not np.allclose(y[latency:][~far], looped[~far], atol=1e-3)
    assert position_s == pytest.approx((len(y) % frames) / RATE_HZ, abs=1 / RATE_HZ)


def test_loudness_match_measures_excerpts_spread_over_the_whole_file(tmp_path) -> None:
    # Quiet for 20 s, then loud for 40 s: the distortion compresses the loud part far more, so
    # a match measured on the start alone would be several dB off for most of the file.
    t = np.arange(60 * RATE_HZ) / RATE_HZ
    level = np.where(t < 20.0, 0.03, 0.6)
    x = (level * np.sin(2 * np.pi * 150 * t)).astype(np.float32)[:, None]
    params = Params(Wh=6.0, drive_db=6.0, oversample=1)
    whole = Chain(RATE_HZ, 1, 4096, params).process(x)
    true_db = integrated_loudness_lufs(whole, RATE_HZ) - integrated_loudness_lufs(x, RATE_HZ)
    start_only = x[: 10 * RATE_HZ]
    start_db = integrated_loudness_lufs(
        Chain(RATE_HZ, 1, 4096, params).process(start_only), RATE_HZ
    ) - integrated_loudness_lufs(start_only, RATE_HZ)
    player = Player(x, RATE_HZ, params)
    gain_db = 20 * np.log10(player.loudness.measure(params).gains(False, 0.0).dry)
    player.close()
    spans = excerpt_spans(len(x), RATE_HZ)
    print(f"match {gain_db:.2f} dB, whole file {true_db:.2f} dB, first 10 s {start_db:.2f} dB")
    assert len(spans) == 6 and spans[0][0] < 6 * RATE_HZ and spans[-1][0] > 50 * RATE_HZ
    assert abs(start_db - true_db) > 3.0
    assert gain_db == pytest.approx(true_db, abs=0.5)


def test_a_file_too_large_to_hold_is_not_read_whole(tmp_path, monkeypatch) -> None:
    x = noise_file(tmp_path / "in.wav", 1.0)
    monkeypatch.setattr(audiofile, "STREAM_ABOVE_BYTES", x.nbytes - 1)
    source = load_source(tmp_path / "in.wav")
    assert source.data is None and source.streamed
    assert (source.channels, source.duration_s, source.rate_hz) == (2, 1.0, RATE_HZ)
    player = Player.from_file(tmp_path / "in.wav", Params())
    assert player.streamed and player.duration_s == 1.0
    player.close()
    monkeypatch.setattr(audiofile, "STREAM_ABOVE_BYTES", x.nbytes)
    assert load_source(tmp_path / "in.wav").data is not None
    player = Player.from_file(tmp_path / "in.wav", Params())
    assert not player.streamed
    player.close()
