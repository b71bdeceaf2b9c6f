"""Loudness matching for the player's bypass and auto gain: how loud the file is dry and
through the chain, and the gains that follow.

A worker thread measures the BS.1770 integrated loudness of the dry file and of the chain's
output for the newest parameters (latest request wins, a burst of changes is one measurement),
on up to ``MATCH_EXCERPTS`` excerpts spread over the file, and hands each result to a function
of the player's. The last ``CACHE_SIZE`` results are kept, so going back and forth between two
settings (an A/B comparison) is answered at once. The thread also finds the file's peak once
(``dry_peak``), which caps the bypass gain below full scale.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from grutui.audio.sources import MemorySource, StreamedFile
from grutui.dsp import Chain
from grutui.dsp.loudness import integrated_loudness_lufs, match_gain
from grutui.params import Params

# The wet loudness is measured on up to this many excerpts spread over the file, each rendered
# after a short pre-roll that lets the chain settle; a short file is measured whole.
MATCH_EXCERPTS = 6
MATCH_EXCERPT_S = 2.0
MATCH_PREROLL_S = 0.25
MATCH_LIMIT_DB = 24.0  # a match never changes the level by more than this
# The bypass's dry signal peaks at most here: full scale, less half a float32 step so that
# rounding cannot take a sample over it.
CEILING = 1.0 - 2.0**-24
CACHE_SIZE = 16
COALESCE_S = 0.05  # a burst of changes (a held key) within this is measured once


@dataclass(frozen=True)
class Loudness:
    """The file's loudness dry and through the chain for one set of parameters, LUFS
    (``-inf`` for silence)."""

    dry_lufs: float
    wet_lufs: float

    def gains(self, auto_gain: bool, dry_peak: float) -> Gains:
        """The wet's gain (auto gain, else 1) and the dry's in bypass: as loud as the wet is
        heard, but no louder than takes ``dry_peak`` (linear) to full scale."""
        wet = match_gain(self.wet_lufs, self.dry_lufs, MATCH_LIMIT_DB) if auto_gain else 1.0
        heard_lufs = self.wet_lufs + 20.0 * math.log10(wet)
        matched = match_gain(self.dry_lufs, heard_lufs, MATCH_LIMIT_DB)
        dry = min(matched, CEILING / dry_peak) if dry_peak > 0.0 else matched
        return Gains(wet, dry, 20.0 * math.log10(matched / dry))


@dataclass(frozen=True)
class Gains:
    """Linear gains of the player's output stage, and how much quieter than matched the dry
    plays (``cut_db``, 0 unless the cap at full scale took over)."""

    wet: float = 1.0
    dry: float = 1.0
    cut_db: float = 0.0


class LoudnessMatch:
    """Measures ``source`` at ``rate_hz`` for the parameters asked for, in a thread of its own.

    ``on_result(params, loudness)`` runs on that thread after each measurement; ``measure``
    measures on the caller's thread (cached either way).
    """

    def __init__(
        self,
        source: MemorySource | StreamedFile,
        rate_hz: float,
        on_result: Callable[[Params, Loudness], None],
    ) -> None:
        self._source = source
        self._rate_hz = rate_hz
        self._on_result = on_result
        self._lock = threading.Lock()  # the cache and the excerpts; never taken by the callback
        self._cache: OrderedDict[Params, Loudness] = OrderedDict()
        self._excerpts: list[tuple[int, np.ndarray]] | None = None
        # The dry file's highest sample magnitude: of the excerpts until the thread has read
        # the whole file (a memory source at once).
        self.dry_peak = 0.0
        self._peak_scanned = False
        self._wanted: Params | None = None
        self._asked = 0  # requests made; the request's params are written first
        self._answered = 0  # requests the thread has measured for
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None

    def request(self, params: Params) -> None:
        """Measure for ``params`` in the background (a newer request replaces an older one)."""
        self._wanted = params
        self._asked += 1
        self._wake.set()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="grutui-loudness", daemon=True)
            self._thread.start()

    def cached(self, params: Params) -> Loudness | None:
        """The result for ``params`` if it was measured (and is still kept)."""
        with self._lock:
            return self._cache.get(_key(params))

    def measure(self, params: Params) -> Loudness:
        """The loudness for ``params``, measured now unless cached."""
        found = self.cached(params)
        if found is not None:
            return found
        params = _key(params)
        chain = Chain(self._rate_hz, self._source.channels, 4096, params)
        dry_parts, wet_parts = [], []
        for lead, excerpt in self._dry_excerpts():
            chain.reset()
            dry_parts.append(excerpt[lead:])
            wet_parts.append(chain.process(excerpt)[lead:])
        result = Loudness(
            integrated_loudness_lufs(dry_parts, self._rate_hz),
            integrated_loudness_lufs(wet_parts, self._rate_hz),
        )
        with self._lock:
            self._cache[params] = result
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def wait(self, timeout_s: float) -> bool:
        """Wait until every request so far is measured; False if not within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while self._answered < self._asked:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        """Stop the thread (after the measurement it may be making)."""
        self._closed = True
        self._wake.set()

    def _dry_excerpts(self) -> list[tuple[int, np.ndarray]]:
        """The dry excerpts as (pre-roll frames, excerpt with its pre-roll in front), read once."""
        with self._lock:
            if self._excerpts is None:
                preroll = round(MATCH_PREROLL_S * self._rate_hz)
                excerpts = []
                for start, frames in excerpt_spans(self._source.frames, self._rate_hz):
                    lead = min(start, preroll)
                    excerpts.append((lead, self._source.excerpt(start - lead, lead + frames)))
                self._excerpts = excerpts
                if not self._source.streamed:
                    self._scan_peak()
                elif not self._peak_scanned:
                    self.dry_peak = max((float(np.abs(x).max(initial=0.0)) for _, x in excerpts))
            return self._excerpts

    def _scan_peak(self) -> None:
        self.dry_peak = self._source.peak()
        self._peak_scanned = True

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(COALESCE_S)
            self._wake.clear()
            if self._closed:  # after the clear: a close() that came since has set _closed
                return
            asked = self._asked
            params = self._wanted  # after the count: at least as new
            if params is None:
                continue
            try:
                result = self.measure(params)
            except Exception:  # an unreadable stretch: play unmatched rather than not at all
                result = Loudness(-math.inf, -math.inf)
            self._on_result(params, result)
            if not self._peak_scanned:  # a streamed file: read it through once, then again
                try:
                    self._scan_peak()
                    self._on_result(params, result)
                except Exception:
                    self._peak_scanned = True  # the excerpts' peak it is
            self._answered = asked


def excerpt_spans(frames: int, rate_hz: float) -> list[tuple[int, int]]:
    """(start, frames) of the excerpts the loudness match measures: up to ``MATCH_EXCERPTS``
    of ``MATCH_EXCERPT_S`` centred in equal parts of the file, or the whole of a short file."""
    length = round(MATCH_EXCERPT_S * rate_hz)
    if frames <= MATCH_EXCERPTS * length:
        return [(0, frames)]
    part = frames / MATCH_EXCERPTS
    return [(round((k + 0.5) * part) - length // 2, length) for k in range(MATCH_EXCERPTS)]


def loudness_match_gain(
    dry: np.ndarray | Sequence[np.ndarray], wet: np.ndarray | Sequence[np.ndarray], rate_hz: float
) -> float:
    """Gain that makes ``dry`` as loud as ``wet`` (BS.1770 integrated loudness; either may be
    several excerpts), within ±``MATCH_LIMIT_DB``; 1 for a silent ``dry``."""
    return match_gain(
        integrated_loudness_lufs(dry, rate_hz),
        integrated_loudness_lufs(wet, rate_hz),
        MATCH_LIMIT_DB,
    )


def _key(params: Params) -> Params:
    """What the measurement depends on: every parameter but ``auto_gain``."""
    return params.replace(auto_gain=False) if params.auto_gain else params
