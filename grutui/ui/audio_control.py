"""Audition and monitoring through ``grutui.audio``, reduced to what the UI asks for.

Every call that may block on a device is made from a thread worker by the caller; errors are
``GrutuiError``s with a readable reason, shown in a notification. PortAudio's own messages on
fd 2 are kept off the screen by ``app.run`` for the whole session.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from grutui.errors import GrutuiError
from grutui.params import Params
from grutui.ui.source import Source


class AudioControl:
    """One player for the loaded sound and one live monitor, created when first needed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._transport = threading.Lock()  # one start/stop at a time, in the order pressed
        self._player: Any = None
        self._monitor: Any = None
        self._source: Source | None = None
        self._params = Params()
        self.loop = True
        self.bypass = False
        self._start_s = 0.0  # where a player not made yet starts (a seek before the first play)
        self.reason: str | None = None  # why there is no audio; None until checked or when ok
        self.checked = False
        self.starts = 0  # streams started so far (each starts its meters' counts afresh)

    def check(self) -> str | None:
        """Probe for a device (slow: loads PortAudio). Returns why audio cannot work, or None."""
        try:
            from grutui.audio import availability
        except ImportError as exc:
            self.reason = f"no audio: {exc}"
            return self.reason
        found = availability(refresh=True)  # a server may have come or gone since the last look
        self.reason = None if found.ok else found.reason
        self.checked = True
        return self.reason

    def _require(self) -> None:
        if self.reason is None:
            self.check()
        if self.reason is not None:
            raise GrutuiError(self.reason)

    def load(self, source: Source) -> None:
        """Use ``source`` for the next play; stops and closes the current player."""
        with self._lock:
            player, self._player = self._player, None
            self._source = source
            self._start_s = 0.0
        if player is not None:
            player.close()

    def set_params(self, params: Params) -> None:
        """Swap the parameter snapshot the running streams read."""
        self._params = params
        for stream in (self._player, self._monitor):
            if stream is not None:
                stream.set_params(params)

    @property
    def playing(self) -> bool:
        return bool(self._player is not None and self._player.playing)

    @property
    def monitoring(self) -> bool:
        return bool(self._monitor is not None and self._monitor.running)

    def toggle_play(self) -> bool:
        """Start or stop playback of the loaded sound; True if now playing."""
        with self._transport:
            return self._toggle_play()

    def _toggle_play(self) -> bool:
        if self.playing:
            self._player.stop()
            return False
        self._require()
        if self._source is None:
            raise GrutuiError("nothing to play: open a file first")
        from grutui.audio import Player

        with self._lock:
            if self._player is None:
                source = self._source
                if source.data is not None:
                    self._player = Player(source.data, source.rate_hz, self._params)
                elif source.path is not None:  # too large to hold: streamed from disk
                    self._player = Player.from_file(source.path, self._params, stream=True)
                else:
                    raise GrutuiError("nothing to play: the sound has no samples")
                self._player.seek(self._start_s)
            self._player.loop = self.loop
            self._player.bypass = self.bypass
            if self._player.duration_s and self._player.position_s >= self._player.duration_s:
                self._player.seek(0.0)
            self._player.start()
            self.starts += 1
        return True

    def seek(self, seconds: float, relative: bool = False) -> float:
        """Move the play position to ``seconds`` (from the current one if ``relative``),
        clamped to the sound; faded by the player while playing. Returns the new position."""
        position, duration = self.position() or (0.0, 0.0)
        target = min(max(position + seconds if relative else seconds, 0.0), duration)
        if self._player is not None:
            self._player.seek(target)
        else:
            self._start_s = target
        return target

    def _duration_s(self) -> float:
        return self._source.duration_s if self._source is not None else 0.0

    def set_loop(self, loop: bool) -> None:
        self.loop = loop
        if self._player is not None:
            self._player.loop = loop

    def set_bypass(self, bypass: bool) -> None:
        self.bypass = bypass
        if self._player is not None:
            self._player.bypass = bypass

    def toggle_monitor(self) -> bool:
        """Start or stop live monitoring; True if now monitoring."""
        with self._transport:
            return self._toggle_monitor()

    def _toggle_monitor(self) -> bool:
        if self.monitoring:
            self._monitor.stop()
            return False
        self._require()
        from grutui.audio import Monitor

        with self._lock:
            if self._monitor is None:
                self._monitor = Monitor(self._params)
            self._monitor.set_params(self._params)
            self._monitor.start()
            self.starts += 1
        return True

    def status(self) -> Any:
        """The newest ``AudioStatus`` of whichever stream runs (monitoring first), or None."""
        for stream in (self._monitor, self._player):
            if stream is not None:
                with contextlib.suppress(Exception):
                    status = stream.status()
                    if status.state != "stopped" or stream is self._player:
                        return status
        return None

    def reset_clips(self) -> None:
        """Clear both streams' clip counts and highest peaks."""
        for stream in (self._player, self._monitor):
            if stream is not None:
                stream.reset_clips()

    def position(self) -> tuple[float, float] | None:
        """(position, duration) in seconds of the player, or where it will start; None with
        no sound."""
        if self._player is not None:
            return float(self._player.position_s), float(self._player.duration_s)
        if self._source is None:
            return None
        return self._start_s, self._duration_s()

    def close(self) -> None:
        for stream in (self._player, self._monitor):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
        self._player = self._monitor = None
