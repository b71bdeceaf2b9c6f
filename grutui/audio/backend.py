"""Safe, lazy access to sounddevice (PortAudio) and the availability check.

Importing sounddevice loads PortAudio and starts the audio system (ALSA probes every device and
may print to fd 2), so nothing here imports it until audio is actually wanted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from grutui.errors import GrutuiError


class AudioError(GrutuiError):
    """Audio cannot start or went away; the message is one readable line."""


@dataclass(frozen=True)
class Availability:
    """Whether live audio can work here; ``reason`` says why not (one line) or what was found."""

    ok: bool
    reason: str


_lock = threading.Lock()
_cached: Availability | None = None
_open_streams = 0  # streams opened through this module and not yet closed
PROBE_TIMEOUT_S = 30.0  # PortAudio starts in well under a second; a hung backend never does


def probe(timeout_s: float | None = None) -> None:
    """Start PortAudio in a child process first: ``AudioError`` if it does not answer within
    ``timeout_s`` (default ``PROBE_TIMEOUT_S``), where this process would hang for good
    (PortAudio's ALSA host loads the JACK plugin, and libjack waits forever on a lock in
    ``/dev/shm/jack_db-UID`` that a killed JACK server or client left held). Any other
    failure is left to the import here to report."""
    if timeout_s is None:
        timeout_s = PROBE_TIMEOUT_S
    try:
        subprocess.run(
            [sys.executable, "-c", "import sounddevice"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        lock = f"/dev/shm/jack_db-{os.getuid()}"
        raise AudioError(
            f"no audio: the audio backend did not answer within {timeout_s:g} s (a stale JACK "
            f"server lock in {lock}? with no jackd running: rm -rf {lock})"
        ) from None


def sounddevice() -> ModuleType:
    """The sounddevice module, or ``AudioError`` saying what is missing or that the audio
    backend hangs (see ``probe``; done before the first import)."""
    if "sounddevice" not in sys.modules:
        probe()
    try:
        import sounddevice as sd
    except OSError as exc:  # the Python package is there, the PortAudio library is not
        raise AudioError(
            f"no audio: PortAudio library not found (apt-get install libportaudio2): {exc}"
        ) from None
    except ImportError:
        raise AudioError(
            "no audio: the sounddevice package is not installed (pip install sounddevice)"
        ) from None
    return sd


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (PortAudio's can span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def server_hint() -> str:
    """How a sound server is reached, for messages when no device is found."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    pulse = os.environ.get("PULSE_SERVER")
    if pulse:
        return f"PULSE_SERVER={pulse} is set but no device answered; is that server running?"
    if not runtime:
        return (
            "XDG_RUNTIME_DIR is not set (an SSH session?): a PulseAudio/PipeWire server is "
            "reached only with the session's XDG_RUNTIME_DIR (e.g. /run/user/$(id -u)) "
            "or PULSE_SERVER"
        )
    if not os.path.exists(os.path.join(runtime, "pulse", "native")):
        return (
            f"no PulseAudio/PipeWire socket in XDG_RUNTIME_DIR={runtime}; start the server "
            "or set PULSE_SERVER (e.g. unix:/run/user/1000/pulse/native)"
        )
    return (
        "the sound server's socket exists but no device answered (is the server running, "
        "and libasound2-plugins installed for ALSA's pulse device?)"
    )


def availability(refresh: bool = False) -> Availability:
    """Whether PortAudio loads and offers an output device. Never raises; cached after the
    first call unless ``refresh`` (which re-scans devices when no stream is open)."""
    global _cached
    with _lock:
        if _cached is not None and not refresh:
            return _cached
        try:
            started = "sounddevice" in sys.modules  # else PortAudio starts fresh just now
            sd = sounddevice()
            if refresh and started:
                rescan_devices()
            devices = sd.query_devices()
            outputs = [d for d in devices if d["max_output_channels"] > 0]
            if not outputs:
                result = Availability(False, "no audio device: " + server_hint())
            else:
                name = device_name(None, "output")
                result = Availability(True, f"audio: {len(devices)} devices, output {name}")
        except AudioError as exc:
            result = Availability(False, str(exc))
        except Exception as exc:  # never raise from a check the UI calls at start-up
            result = Availability(False, f"no audio: {type(exc).__name__}: {exc}")
        _cached = result
        return result


def rescan_devices() -> None:
    """Re-initialise PortAudio so devices that came back (a restarted server) are seen.

    Only when no stream is open: terminating PortAudio under a running stream would end it.
    Probed first (``probe``): the backend may have hung since PortAudio last started.
    """
    sd = sounddevice()
    if _open_streams == 0:
        probe()
        sd._terminate()
        sd._initialize()


def stream_opened() -> None:
    global _open_streams
    _open_streams += 1


def stream_closed() -> None:
    global _open_streams
    _open_streams = max(0, _open_streams - 1)


def parse_device(text: str | int | None) -> str | int | None:
    """A device given on the command line: an index if it is a number, else a name substring."""
    if text is None or isinstance(text, int):
        return text
    text = text.strip()
    return int(text) if text.isascii() and text.isdecimal() else (text or None)


JACK = "JACK"  # how PortAudio's JACK host API is found ("JACK Audio Connection Kit")


def host_apis() -> list[dict[str, Any]]:
    """Every host API PortAudio offers: name, devices (count), default input and output
    device names ("" if none). JACK is listed only while a JACK server runs (PipeWire's
    included), as PortAudio saw it when it started."""
    sd = sounddevice()
    rows = []
    for api in sd.query_hostapis():
        names = {}
        for kind in ("input", "output"):
            index = api[f"default_{kind}_device"]
            names[kind] = sd.query_devices(index)["name"] if index >= 0 else ""
        rows.append(
            {
                "name": api["name"],
                "devices": len(api["devices"]),
                "default_input": names["input"],
                "default_output": names["output"],
            }
        )
    return rows


def jack_running() -> bool:
    """True if PortAudio reaches a JACK server (it lists the JACK host API with devices)."""
    return any(JACK.lower() in api["name"].lower() and api["devices"] for api in host_apis())


def resolve_device(device: str | int | None, kind: str, host_api: str | None) -> str | int | None:
    """The device to open for ``kind`` ("input" or "output"): ``device`` (an index, or a name
    substring) within ``host_api`` (a name substring such as "jack" or "alsa"); with neither, a
    running JACK server's default device, else PortAudio's default."""
    if host_api is None:
        if device is not None or not jack_running():
            return device
        host_api = JACK
    sd = sounddevice()
    apis = sd.query_hostapis()
    found = [a for a in apis if host_api.strip().lower() in a["name"].lower()]
    if not host_api.strip() or not found:
        names = ", ".join(a["name"] for a in apis) or "none"
        jack = JACK.lower() in host_api.lower()
        hint = " (JACK is listed while a JACK server runs)" if jack else ""
        raise AudioError(f"no host API {host_api!r}{hint}; there are: {names}")
    api = found[0]
    channels = f"max_{kind}_channels"
    candidates = [sd.query_devices(i) for i in api["devices"]]
    candidates = [d for d in candidates if d[channels] > 0]
    if device is None:
        default = api[f"default_{kind}_device"]
        if default >= 0:
            return int(default)
    elif isinstance(device, int):
        candidates = [d for d in candidates if d["index"] == device]
    else:
        candidates = [d for d in candidates if device.lower() in d["name"].lower()]
    if not candidates:
        what = f"device {device!r}" if device is not None else "device"
        raise AudioError(f"{api['name']} has no {kind} {what}; see grutui devices")
    return int(candidates[0]["index"])


def device_name(device: str | int | None, kind: str) -> str:
    """``"index: name (host API)"`` of ``device`` (None: the default ``kind`` device)."""
    sd = sounddevice()
    info: Any = sd.query_devices(device, kind)
    api = sd.query_hostapis(info["hostapi"])["name"]
    return f"{info['index']}: {info['name']} ({api})"


def list_devices() -> list[dict[str, Any]]:
    """Every device as a dict: index, name, hostapi, inputs, outputs, default_rate_hz, default."""
    sd = sounddevice()
    default_in, default_out = sd.default.device
    rows = []
    for info in sd.query_devices():
        rows.append(
            {
                "index": info["index"],
                "name": info["name"],
                "hostapi": sd.query_hostapis(info["hostapi"])["name"],
                "inputs": info["max_input_channels"],
                "outputs": info["max_output_channels"],
                "default_rate_hz": info["default_samplerate"],
                "default_input": info["index"] == default_in,
                "default_output": info["index"] == default_out,
            }
        )
    return rows
