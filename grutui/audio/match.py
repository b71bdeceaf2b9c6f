"""Loudness matching for the player's bypass: how loud the file is dry and through the chain.

A worker thread measures the BS.1770 integrated loudness of the dry file and of the chain's
output for the newest parameters (latest request wins, a burst of changes is one measurement),
on up to ``MATCH_EXCERPTS`` excerpts spread over the file, and hands each result to a function
of the player's. The last ``CACHE_SIZE`` results are kept, so going back and forth between two
settings (an A/B comparison) is answered at once.
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
from grutui.dsp.loudness import integrated_loudness_lufs
from grutui.params import Params

# The wet loudness is measured on up to this many excerpts spread over the file, each rendered
# after a short pre-roll that lets the chain settle; a short file is measured whole.
MATCH_EXCERPTS = 6
MATCH_EXCERPT_S = 2.0
MATCH_PREROLL_S = 0.25
MATCH_LIMIT_DB = 24.0  # a match never changes the level by more than this
CACHE_SIZE = 16
COALESCE_S = 0.05  # a burst of changes (a held key) within this is measured once


@dataclass(frozen=True)
class Loudness:
    """The file's loudness dry and through the chain for one set of parameters, LUFS
    (``-inf`` for silence)."""

    dry_lufs: float
    wet_lufs: float

    @property
    def bypass_gain(self) -> float:
        """Gain that makes the dry file as loud as the wet one (linear)."""
        return gain_between(self.dry_lufs, self.wet_lufs)


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
            return self._cache.get(params)

    def measure(self, params: Params) -> Loudness:
        """The loudness for ``params``, measured now unless cached."""
        found = self.cached(params)
        if found is not None:
            return found
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
            return self._excerpts

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._closed:
                return
            time.sleep(COALESCE_S)
            self._wake.clear()
            asked = self._asked
            params = self._wanted  # after the count: at least as new
            if params is None:
                continue
            try:
                result = self.measure(params)
            except Exception:  # an unreadable stretch: play unmatched rather than not at all
                result = Loudness(-math.inf, -math.inf)
            self._on_result(params, result)
            self._answered = asked


def excerpt_spans(frames: int, rate_hz: float) -> list[tuple[int, int]]:
    """(start, frames) of the excerpts the loudness match measures: up to ``MATCH_EXCERPTS``
    of ``MATCH_EXCERPT_S`` centred in equal parts of the file, or the whole of a short file."""
    length = round(MATCH_EXCERPT_S * rate_hz)
    if frames <= MATCH_EXCERPTS * length:
        return [(0, frames)]
    part = frames / MATCH_EXCERPTS
    return [(round((k + 0.5) * part) - length // 2, length) for k in range(MATCH_EXCERPTS)]


def gain_between(from_lufs: float, to_lufs: float) -> float:
    """Linear gain that takes a signal at ``from_lufs`` to ``to_lufs``, within
    ±``MATCH_LIMIT_DB``; 1 when ``from_lufs`` is silence, the limit's cut when ``to_lufs`` is."""
    if not math.isfinite(from_lufs):
        return 1.0
    gain_db = to_lufs - from_lufs if math.isfinite(to_lufs) else -MATCH_LIMIT_DB
    gain_db = min(max(gain_db, -MATCH_LIMIT_DB), MATCH_LIMIT_DB)
    return float(10.0 ** (gain_db / 20.0))


def loudness_match_gain(
    dry: np.ndarray | Sequence[np.ndarray], wet: np.ndarray | Sequence[np.ndarray], rate_hz: float
) -> float:
    """Gain that makes ``dry`` as loud as ``wet`` (BS.1770 integrated loudness; either may be
    several excerpts), within ±``MATCH_LIMIT_DB``; 1 for a silent ``dry``."""
    return gain_between(
        integrated_loudness_lufs(dry, rate_hz), integrated_loudness_lufs(wet, rate_hz)
    )
