"""The grutui workstation app and ``run(path, live)``, the entry point the CLI calls."""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.timer import Timer

from grutui import library_messages
from grutui import preset_store as presets
from grutui.errors import GrutuiError
from grutui.params import Params
from grutui.ui.audio_control import AudioControl
from grutui.ui.commands import WorkstationCommands
from grutui.ui.confirm import ConfirmDialog
from grutui.ui.help import HelpScreen
from grutui.ui.keys import MAIN_KEYS
from grutui.ui.live import LiveWriter
from grutui.ui.main_screen import MainScreen
from grutui.ui.meters import ClipLatch, MeterReading
from grutui.ui.recovery import RecoveryError, SessionStore, recovery_question
from grutui.ui.session import Session
from grutui.ui.source import Source, demo_source, load_source
from grutui.ui.stop_signals import exit_on_stop_signals
from grutui.ui.textual_internals import textual_output
from grutui.ui.views.deck import ViewDeck

AUDIO_POLL_S = 0.1  # status line refresh while audio runs (the meter's frame rate)


class GrutuiApp(App[int]):
    """The workstation: a session of parameters, a sound, audio, and the main screen."""

    CSS_PATH = "ui.tcss"
    TITLE = "grutui"
    COMMANDS = App.COMMANDS | {WorkstationCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(
        self,
        source: Source | None = None,
        preset: presets.Preset | None = None,
        live: bool = False,
        check_audio: bool = True,
        file_warning: str | None = None,
        stop_on_signals: bool = False,
    ) -> None:
        super().__init__()
        self._stop_on_signals = stop_on_signals  # the real command only, never a test's pilot
        self._file_warning = file_warning  # what a decoder said while the file was read
        self.source = source if source is not None else demo_source()
        self.session = Session.from_preset(preset)
        self.audio = AudioControl()
        self.audio.load(self.source)
        self.audio.set_params(self.session.params)  # a preset given at start plays as shown
        self._check_audio = check_audio
        self.live: LiveWriter | None = None
        if live and preset is not None and preset.path is not None:
            self.live = LiveWriter(
                preset.path, on_error=self._live_error, on_written=self._live_written
            )
        self._poll: Timer | None = None
        self._clips = ClipLatch()
        self.recovery = SessionStore(on_error=self._recovery_error)
        self.session.on_change = self._keep_session
        self.notice_log: deque[str] = deque(maxlen=100)  # recent notifications, newest last

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        # markup off by default: messages quote paths and TOML keys like "[params]"
        self.notice_log.append(message)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.install_screen(MainScreen(self.session, self.source), "main")
        self.push_screen("main")
        self.recovery.open()
        self.call_after_refresh(self._offer_recovery)
        if self._check_audio:
            self._probe_audio()
        else:
            self.audio.reason = "audio disabled"
            self.call_after_refresh(self._show_audio_state)
        if self._stop_on_signals:
            exit_on_stop_signals(self)
        if self._file_warning:
            self.notify(self._file_warning, title=self.source.name, severity="warning")

    @property
    def main(self) -> MainScreen:
        screen = self.get_screen("main")
        assert isinstance(screen, MainScreen)
        return screen

    # -- what the main screen says ---------------------------------------------------------

    def on_main_screen_params_changed(self, message: MainScreen.ParamsChanged) -> None:
        """Every parameter change ends here: audio and the live preset file follow it."""
        params = message.params
        self.audio.set_params(params)
        if self.live is not None:
            session = self.session
            self.live.schedule(session.preset_name, session.preset_description, params)

    class AudioChanged(Message):
        """A worker thread changed the audio state; the newest replaces one not yet shown."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, GrutuiApp.AudioChanged)

    class LiveSaved(Message):
        """The live preset file now holds ``params``."""

        def __init__(self, params: Params) -> None:
            super().__init__()
            self.params = params

    # Called in worker threads: a message (or a notification, itself a message) to the app.

    def _live_written(self, params: Params) -> None:
        self.post_message(self.LiveSaved(params))

    def _live_error(self, message: str) -> None:
        self.notify(message, title="Live preset", severity="error")

    def _recovery_error(self, message: str) -> None:
        self.notify(message, title="Recovery", severity="warning")

    @on(LiveSaved)
    def _live_saved(self, message: LiveSaved) -> None:
        self.session.saved = message.params
        self.session.changed()
        self.main.refresh_status()

    @on(AudioChanged)
    def _audio_changed(self) -> None:
        self._show_audio_state()

    def on_main_screen_source_opened(self, message: MainScreen.SourceOpened) -> None:
        self.source = message.source
        self.audio.load(message.source)
        self._show_audio_state()
        self._keep_session()

    # -- crash recovery ----------------------------------------------------------------------

    def _keep_session(self) -> None:
        """Save the session soon: should the app die, the next start offers it back."""
        self.recovery.schedule(self.session.snapshot(), self.source.path)

    def _offer_recovery(self) -> None:
        store = self.recovery
        try:
            found = store.recover()
        except RecoveryError as exc:
            self.notify(f"{exc}; removed", title="Recovery", severity="warning")
            store.forget_left_behind()
            return
        if found is None:
            return

        def answered(restore: bool | None) -> None:
            if restore:
                self.session.restore(found.state)
                self.main.refresh_titles()
                self.main.apply()
                if found.file is not None and found.file != self.source.path:
                    self.main.open_file(found.file)
                self.notify("Restored the session", title="Recovery", timeout=3)
            store.forget_left_behind()

        question = ConfirmDialog(recovery_question(found), "Restore", "Discard", danger=False)
        self.push_screen(question, answered)

    @on(ViewDeck.Ready)
    def _kernels_loaded(self) -> None:
        # The kernels have loaded (imported here, not at start-up, for that reason): freeze
        # what lives as long as the app out of the collector's sight. A full collection of it
        # held the GIL for 50-150 ms: the views' worst latencies.
        from grutui.audio import tune_interpreter_for_audio

        tune_interpreter_for_audio()

    # -- audio -----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="audio-probe")
    def _probe_audio(self) -> None:
        self.audio.check()  # loads PortAudio: a few hundred ms, so not on the UI thread
        self.post_message(self.AudioChanged())
        if self.audio.reason is None:
            from grutui.audio import warm_up

            warm_up()  # compile the callback's kernels now, not on the first press of space

    @work(thread=True, exit_on_error=False, group="audio")
    def audio_toggle(self, what: str) -> None:
        """Start or stop playing ("play") or monitoring ("monitor") in a thread (opening a
        device blocks); a missing device becomes a notification. Not an exclusive worker: a
        second press must not cancel the first, ``AudioControl`` takes them in turn."""
        try:
            if what == "play":
                self.audio.toggle_play()
            elif what == "monitor":
                self.audio.toggle_monitor()
        except GrutuiError as exc:
            self.notify(str(exc), title="Audio", severity="warning")
        except Exception as exc:  # a device error must not end the app
            self.notify(f"audio: {exc}", title="Audio", severity="error")
        self.post_message(self.AudioChanged())

    def action_play(self) -> None:
        if not self.audio.playing and not self.audio.reason:
            self.main.show_audio(state="starting…")  # opening a device takes a while
        self.audio_toggle("play")

    def action_monitor(self) -> None:
        if not self.audio.monitoring and not self.audio.reason:
            self.main.show_audio(state="starting…")
        self.audio_toggle("monitor")

    def action_loop(self) -> None:
        audio = self.audio
        audio.set_loop(not audio.loop)
        self._say_audio(f"Loop {'on' if audio.loop else 'off'}")

    def action_bypass(self) -> None:
        audio = self.audio
        audio.set_bypass(not audio.bypass)
        self._say_audio("Bypass on: dry at matched loudness" if audio.bypass else "Bypass off")

    def action_seek(self, where: str) -> None:
        """``where``: "+5" / "-5" seconds from the play position, or "0" for the start."""
        self.audio.seek(float(where), relative=where[0] in "+-")
        self._show_audio_state()

    def action_reset_clips(self) -> None:
        """Clear the clip counts and the peak hold of both meters."""
        self.audio.reset_clips()
        self._clips.reset()
        self._show_audio_state()

    def _say_audio(self, text: str) -> None:
        if self.audio.reason:
            text += f" (but {self.audio.reason})"
        self.notify(text, title="Audio", timeout=3)
        self._show_audio_state()

    def _show_audio_state(self) -> None:
        """Status line from the audio state; polls while a stream runs."""
        audio = self.audio
        status = audio.status()
        state, reason = "stopped", ""
        if audio.reason:
            state, reason = "no audio device", audio.reason.removeprefix("no audio device: ")
        position = audio.position() or (0.0, self.source.duration_s)
        changes: dict[str, object] = {
            "loop": audio.loop,
            "bypass": audio.bypass,
            "position_s": position[0],
        }
        meters = (MeterReading(), MeterReading())
        if status is not None:
            state = status.state
            if status.state == "error":
                reason = status.message
            meters = self._clips.readings(status, audio.starts)
            if status.state not in ("playing", "monitoring"):  # its last levels would freeze there
                meters = (MeterReading(clips=meters[0].clips), MeterReading(clips=meters[1].clips))
            changes.update(
                xruns=status.xruns,
                underruns=status.underruns,
                clips_in=meters[0].clips,
                clips_out=meters[1].clips,
                auto_gain_db=status.auto_gain_db if status.state != "stopped" else None,
                bypass_cut_db=status.bypass_cut_db,
            )
        changes.update(state=state, reason=reason)
        try:
            self.main.show_audio(**changes)
            self.main.show_meters(*meters, available=audio.checked and not audio.reason)
        except Exception:  # the main screen is not mounted yet or already gone
            return
        running = audio.playing or audio.monitoring
        if running and self._poll is None:
            self._poll = self.set_interval(AUDIO_POLL_S, self._show_audio_state)
        elif not running and self._poll is not None:
            self._poll.stop()
            self._poll = None

    # -- app actions -----------------------------------------------------------------------

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen([*MAIN_KEYS, *self.BINDINGS]))

    async def action_quit(self) -> None:
        # ctrl+q on the quit question itself quits too: twice is as good as a yes.
        if not self.session.any_modified or self.live is not None or self.screen.id == "quit":
            self._quit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._quit()

        self.push_screen(
            ConfirmDialog(
                "Settings changed since the last save. Quit anyway?",
                yes="Quit",
                no="Keep working",
                id="quit",
            ),
            answered,
        )

    def _quit(self) -> None:
        """A clean quit: nothing to recover at the next start."""
        self.recovery.close(keep=False)
        self.exit(0)

    def on_unmount(self) -> None:
        if self.live is not None:
            self.live.flush()
        self.recovery.close()  # after a crash: the newest session stays for the next start
        self.audio.close()


def startup(path: str | None) -> tuple[Source | None, presets.Preset | None]:
    """What ``grutui [FILE]`` opens; a one-line ``GrutuiError`` before the screen starts."""
    if path is None:
        return None, None
    candidate = Path(path)
    if not candidate.exists():
        raise GrutuiError(f"{path}: no such file")
    if candidate.suffix.lower() == ".toml":
        return None, presets.load(candidate)
    return load_source(candidate), None


@contextlib.contextmanager
def terminal_apart_from_fd2() -> Iterator[None]:
    """Give Textual its own copy of the terminal and send fd 2 to the audio log.

    Textual draws on ``sys.__stderr__`` (fd 2), where PortAudio and ALSA also print from C;
    redirecting fd 2 only around audio calls would swallow screen updates made meanwhile.
    """
    try:
        from grutui.audio import quiet_stderr
    except ImportError:
        yield
        return
    if not os.isatty(2):
        yield
        return
    with (
        os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace") as terminal,
        textual_output(terminal),
        quiet_stderr(),
    ):
        yield


def run(path: str | None, live: bool = False, preset: presets.Preset | None = None) -> int:
    """Open the workstation on ``path`` (audio or a preset .toml) or on the demo sound;
    ``preset`` (``grutui FILE --preset``) takes the place of a preset file's."""
    with library_messages.collected() as said:  # libmpg123's "Trying to resync..." lines
        source, from_file = startup(path)
    preset = preset or from_file
    if live and preset is None:
        raise GrutuiError("--live needs a preset FILE (.toml)")
    with terminal_apart_from_fd2():
        app = GrutuiApp(
            source=source,
            preset=preset,
            live=live,
            file_warning=said.summary(),
            stop_on_signals=True,
        )
        app.run()
    return int(app.return_code or 0)
