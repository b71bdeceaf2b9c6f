"""The one signal chain behind plots, playback and render.

drive -> upsample -> GRU -> downsample -> DC blocker -> output gain -> dry/wet mix, the dry path
delayed by the chain's latency. Lifecycle as in audio plugins: ``prepare``, ``reset``,
``process``, ``latency_samples``. Every buffer is allocated in ``prepare``; ``process_into`` with
a block of at most ``max_block`` frames allocates no array, so an audio callback may call it.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from grutui.dsp import filters, kernels
from grutui.limits import MAX_CHANNELS
from grutui.params import GRU_NAMES, Params, as_params

SEED_RATE_HZ = 44100.0  # the rate the seed's equations (and gate time constants) are written for
SMOOTHING_S = 0.005  # parameters settle to 1 % within this time, at any rate
DC_CUTOFF_HZ = 5.0
MAX_BLOCK_FRAMES = 1 << 20  # a larger max_block would only allocate more


def _smoothing_coef(rate_hz: float) -> float:
    tau = SMOOTHING_S / math.log(100.0)
    return 1.0 - math.exp(-1.0 / (tau * rate_hz))


def _db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


class _Stage:
    """One 2x oversampling stage: filter taps and per-channel histories for both directions."""

    def __init__(self, stage: int, channels: int, max_in: int) -> None:
        taps = filters.stage_taps(stage)
        self.phases = filters.polyphase(taps, 2)
        self.h_rev = np.ascontiguousarray(taps[::-1], dtype=np.float32)
        self.up_work = np.zeros((channels, self.phases.shape[1] - 1 + max_in), np.float32)
        self.down_work = np.zeros((channels, len(taps) - 1 + 2 * max_in), np.float32)
        # A half-band prototype (every other tap zero but the centre, an even index) runs the
        # half-band kernels: the centre's polyphase branch is one tap, the odd taps the rest.
        centre = (len(taps) - 1) // 2
        others = np.delete(taps[centre % 2 :: 2], centre // 2)
        self.halfband = centre % 2 == 0 and bool(np.all(np.abs(others) < 1e-12))
        if self.halfband:
            self.centre_at = self.phases.shape[1] - 1 - centre // 2  # in branch 0, reversed
            self.centre = np.float32(self.h_rev[centre])
            self.odd = np.ascontiguousarray(self.h_rev[1::2])
            self.scratch = np.zeros(max_in, np.float32)

    def reset(self) -> None:
        self.up_work.fill(0.0)
        self.down_work.fill(0.0)


class Buffers:
    """The working arrays of one block on its way through a chain: the input transposed (dry),
    the driven signal (wet) and the signal at each oversampled rate.

    ``Chain.process_into`` uses its own set; a pipeline that has several blocks in flight (one
    in each of its stages) gives each its own set (``Chain.new_buffers``).
    """

    def __init__(self, channels: int, max_block: int, stages: int) -> None:
        self.dry = np.zeros((channels, max_block), np.float32)
        self.wet = np.zeros((channels, max_block), np.float32)
        self.rates: list[np.ndarray] = []
        self.grow(stages)
        self.frames = 0  # of the block in them

    def grow(self, stages: int) -> None:
        channels, max_block = self.wet.shape
        while len(self.rates) < stages:
            frames = max_block * 2 ** (len(self.rates) + 1)
            self.rates.append(np.zeros((channels, frames), np.float32))


class Chain:
    """The gated recurrent distortion chain for ``channels`` channels at ``rate_hz``.

    The way to put the distortion in one's own real-time code: build it (or ``prepare`` it)
    for the stream's rate, channel count and largest block, then feed blocks in order.

    Parameters
    ----------
    rate_hz : float
        Sample rate of the stream, Hz.
    channels : int
        Channels, each with its own state.
    max_block : int
        Most frames per ``process_into`` call (``process`` takes any length).
    params : Params, optional
        Starting settings (default ``Params()``); assign ``chain.params`` to change them,
        smoothed over 5 ms, from any thread.

    Notes
    -----
    The output lags the input by ``latency_frames`` (the oversampling filters; the dry path of
    the mix is delayed to match). ``grutui.process`` returns the output aligned instead.
    ``reset()`` clears the state between unrelated streams. ``process_into`` with preallocated
    float32 arrays allocates nothing, so an audio callback may call it.

    Examples
    --------
    >>> chain = Chain(48000, 2, max_block=512, params=Params(Wh=3.0))  # doctest: +SKIP
    >>> for block in stream:  # (frames, 2) float32 blocks  # doctest: +SKIP
    ...     out = chain.process(block)
    """

    def __init__(
        self,
        rate_hz: float = 48000.0,
        channels: int = 2,
        max_block: int = 4096,
        params: Params | None = None,
        *,
        all_stages: bool = False,
        hold_gil: bool = False,
    ) -> None:
        """``hold_gil`` runs kernels that keep the GIL, for an audio callback (see
        ``kernels.gil_holding``); render and analysis threads want the default."""
        self._params = as_params(params)
        self.nonfinite_count = 0
        self._k: Any = kernels.gil_holding() if hold_gil else kernels
        self.prepare(rate_hz, channels, max_block, all_stages)

    # -- lifecycle ---------------------------------------------------------------------------
    def prepare(
        self, rate_hz: float, channels: int, max_block: int = 4096, all_stages: bool = False
    ) -> None:
        """Allocate every buffer for blocks of up to ``max_block`` frames, then ``reset()``.

        ``all_stages`` builds the filters (and the GRU's tables) of every oversampling factor
        now, so that switching the factor later (from an audio callback) allocates nothing.
        """
        if not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"rate_hz must be a positive number of Hz, got {rate_hz!r}")
        channels, max_block = operator.index(channels), operator.index(max_block)
        if not (1 <= channels <= MAX_CHANNELS and 1 <= max_block <= MAX_BLOCK_FRAMES):
            raise ValueError(
                f"channels must be 1 to {MAX_CHANNELS} and max_block 1 to {MAX_BLOCK_FRAMES} "
                f"frames, got {channels} and {max_block}"
            )
        self.rate_hz = float(rate_hz)
        self.channels = int(channels)
        self.max_block = int(max_block)
        self._buffers = Buffers(channels, max_block, 0)
        self._stages: list[_Stage] = []  # built on demand: 1x needs no filter (and no scipy)
        self._ring = np.zeros((channels, 0), np.float32)  # the dry delay, as long as the stages
        self._ring_pos = np.zeros(1, np.int64)
        self._dc_state = np.zeros((channels, 2), np.float64)
        self._y1 = np.zeros(channels, np.float64)
        self._gru_cur = np.zeros(5, np.float64)
        self._gru_tgt = np.zeros(5, np.float64)
        self._io_cur = np.zeros(4, np.float64)
        self._io_tgt = np.zeros(4, np.float64)
        self._base_coef = _smoothing_coef(self.rate_hz)
        self._dc_pole = math.exp(-2.0 * math.pi * DC_CUTOFF_HZ / self.rate_hz)
        self._last_n = 0
        self._configure(self._params)
        if all_stages:
            self._build_stages(filters.MAX_STAGES)
            for stages in range(filters.MAX_STAGES + 1):
                kernels.update_table(self._gru_k_at(2**stages))
        self.reset()

    def reset(self) -> None:
        """Clear every state; parameters start at their values, not ramping from a default.

        Makes no array (``fill``/``copyto``, no slices), so an audio callback may call it.
        """
        for stage in self._stages:
            stage.reset()
        self._ring.fill(0.0)
        self._ring_pos[0] = 0
        self._dc_state.fill(0.0)
        self._y1.fill(0.0)
        np.copyto(self._gru_cur, self._gru_tgt)
        np.copyto(self._io_cur, self._io_tgt)
        self.nonfinite_count = 0

    @property
    def params(self) -> Params:
        """The parameters in force (the smoothers move towards them)."""
        return self._params

    @params.setter
    def params(self, params: Params) -> None:
        self._configure(params)

    @property
    def latency_frames(self) -> int:
        """Delay of the wet (and the aligned dry) output behind the input, in frames."""
        return self._latency

    @property
    def latency_samples(self) -> int:
        """The same as ``latency_frames`` (samples per channel)."""
        return self._latency

    @property
    def oversample(self) -> int:
        return self._factor

    # -- processing --------------------------------------------------------------------------
    def process(self, block: np.ndarray) -> np.ndarray:
        """Process the next ``block`` of the stream.

        Parameters
        ----------
        block : array_like
            (frames, channels) or (frames,) for one channel, any length, full scale 1.0.

        Returns
        -------
        ndarray
            A new float32 (frames, channels) array, ``latency_frames`` behind the input.
        """
        block = np.ascontiguousarray(block, dtype=np.float32)  # the kernels take C order
        if block.ndim == 1:
            block = block[:, None]
        out = np.empty_like(block, dtype=np.float32)
        for start in range(0, len(block), self.max_block):
            stop = min(start + self.max_block, len(block))
            self.process_into(block[start:stop], out[start:stop])
        return out

    def process_into(self, block: np.ndarray, out: np.ndarray) -> None:
        """Process ``block`` (frames <= max_block, channels) float32 into ``out``.

        Allocates nothing, so an audio callback may call it.
        """
        n = block.shape[0]
        if block.shape[1] != self.channels or n > self.max_block:
            raise ValueError(
                f"block of shape {block.shape} does not fit a chain prepared for "
                f"{self.channels} channels and {self.max_block} frames"
            )
        self._buffers.frames = n
        bad = self.front(block, self._buffers)
        bad += self.gru(self._buffers)
        self.back(self._buffers, out)
        self._last_n = n
        self.nonfinite_count += bad

    # -- the three parts of process_into, for a pipeline that runs them in threads of their own
    # (each touches only its own state, so a block may be in each part at once)
    def new_buffers(self) -> Buffers:
        """A set of working arrays for one block in flight (allocates)."""
        return Buffers(self.channels, self.max_block, self._n_stages)

    def front(self, block: np.ndarray, buffers: Buffers) -> int:
        """Drive and upsampling of ``block`` (frames <= max_block, channels) into ``buffers``;
        returns the count of non-finite input samples (they count as silence)."""
        n = buffers.frames = block.shape[0]
        bad = int(
            self._k.input_stage(
                block, n, buffers.dry, buffers.wet, self._io_cur, self._io_tgt, self._base_coef
            )
        )
        signal = buffers.wet
        for stage, out in zip(self._stages[: self._n_stages], buffers.rates, strict=False):
            if stage.halfband:
                self._k.upsample_halfband(
                    signal, n, stage.up_work, stage.phases, 0, stage.centre_at, out, stage.scratch
                )
            else:
                self._k.upsample(signal, n, stage.up_work, stage.phases, out)
            signal, n = out, 2 * n
        return bad

    def gru(self, buffers: Buffers) -> int:
        """The GRU, in place at the top rate; returns the count of non-finite samples there."""
        top = buffers.rates[self._n_stages - 1] if self._n_stages else buffers.wet
        return int(
            self._k.gru(
                top,
                buffers.frames * self._factor,
                self._y1,
                self._gru_cur,
                self._gru_tgt,
                self._gru_coef,
                self._gru_k,
                self._gru_update,
            )
        )

    def back(self, buffers: Buffers, out: np.ndarray) -> None:
        """Downsampling, DC blocker, output gain and mix of ``buffers`` into ``out`` (frames,
        channels)."""
        n = buffers.frames
        for index in range(self._n_stages - 1, -1, -1):
            target = buffers.rates[index - 1] if index else buffers.wet
            stage = self._stages[index]
            signal, count = buffers.rates[index], n * 2**index
            if stage.halfband:
                self._k.downsample_halfband(
                    signal, count, stage.down_work, stage.odd, stage.centre, target
                )
            else:
                self._k.downsample(signal, count, 2, stage.down_work, stage.h_rev, target)
        self._k.output_stage(
            buffers.wet,
            buffers.dry,
            n,
            self._ring,
            self._latency,
            self._ring_pos,
            self._dc_state,
            self._dc_pole,
            self._io_cur,
            self._io_tgt,
            self._base_coef,
            out,
        )

    def settle_dc_blocker(self) -> None:
        """Put the DC blocker in the periodic steady state of the last block's wet signal.

        For analysis: after a few periods of a periodic input only the DC blocker (seconds long)
        is still settling; with this the next period comes out exactly in steady state.
        """
        if self._last_n:
            wet = np.ascontiguousarray(self._buffers.wet[:, : self._last_n])
            kernels.dc_settle(wet, self._dc_state, self._dc_pole)

    # -- configuration -----------------------------------------------------------------------
    def _configure(self, params: Params) -> None:
        self._params = params
        factor = int(params.oversample)
        n_stages = int(math.log2(factor))
        self._build_stages(n_stages)
        self._n_stages = n_stages
        self._factor = factor
        internal_hz = self.rate_hz * factor
        self._gru_coef = _smoothing_coef(internal_hz)
        self._gru_k = self._gru_k_at(factor)
        self._gru_update = kernels.update_table(self._gru_k)
        self._gru_tgt[:] = [getattr(params, name) for name in GRU_NAMES]
        self._io_tgt[:] = [
            _db_to_gain(params.drive_db),
            _db_to_gain(params.output_db),
            params.mix / 100.0,
            1.0 if params.dc_block else 0.0,
        ]
        self._latency = sum(filters.stage_latency(s) for s in range(1, n_stages + 1))

    def _gru_k_at(self, factor: int) -> float:
        """The GRU's ``k`` at ``factor`` times the chain's rate: the seed's time constant."""
        return SEED_RATE_HZ / (self.rate_hz * factor)

    def _build_stages(self, count: int) -> None:
        if count > len(self._stages):  # the first run compiles them: at set-up, not mid-render
            kernels.load_fir_kernels()
        while len(self._stages) < count:
            stage_max_in = self.max_block * 2 ** len(self._stages)
            self._stages.append(_Stage(len(self._stages) + 1, self.channels, stage_max_in))
            self._buffers.grow(len(self._stages))
            longest = sum(filters.stage_latency(s) for s in range(1, len(self._stages) + 1))
            self._ring = np.zeros((self.channels, longest), np.float32)
