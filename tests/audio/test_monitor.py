"""Monitoring against a real PulseAudio server: a sine fed in comes out with the predicted
harmonics; 60 s under a UI-like load with parameter changes has no dropout."""

from __future__ import annotations

import time

import numpy as np
import pytest
from audio_helpers import (
    RATE_HZ,
    PulseServer,
    median_harmonics_dbfs,
    steady_segment,
    under_ui_load,
    write_sine,
)

from grutui.analysis import analyze
from grutui.audio import Monitor, tune_interpreter_for_audio, warm_up
from grutui.params import Params

pytestmark = pytest.mark.audio

FREQ_HZ = 100.0  # the seed's test tone; whole periods in any 1 s window at 48 kHz
LEVEL = 0.5  # the sine's amplitude at the input, full scale 1 (analysis's ``gain``)


def record_monitored(
    server: PulseServer,
    tmp_path,
    params: Params,
    seconds: float = 3.0,
    blocksize: int | None = None,
) -> tuple[np.ndarray, Monitor]:
    wav = write_sine(tmp_path / "sine.wav", FREQ_HZ, LEVEL, seconds)
    monitor = Monitor(params, blocksize=blocksize, rate_hz=RATE_HZ)
    with server.record(tmp_path / "rec.raw") as rec:
        monitor.start()
        assert monitor.wait_started(), monitor.status()
        feeder = server.feed(wav)
        feeder.wait(timeout=seconds + 15)
    status = monitor.status()
    monitor.close()
    assert status.state == "monitoring", status
    return rec.samples(), monitor


@pytest.mark.parametrize(
    "params",
    [
        Params(Wf=0.0, Wh=2.0, Uf=0.0, Uh=0.0, bf=5.0),  # the seed's "odd harmonics"
        Params(Wf=5.0, Wh=2.0, Uf=2.0, Uh=0.0, bf=0.0),  # the seed's "odd and even harmonics"
        Params(Wh=3.0, drive_db=6.0, oversample=2),
    ],
    ids=["odd", "odd-even", "driven-2x"],
)
def test_monitored_sine_has_the_predicted_harmonics(
    server: PulseServer, tmp_path, params: Params
) -> None:
    recorded, _ = record_monitored(server, tmp_path, params, seconds=4.0)
    heard = median_harmonics_dbfs(steady_segment(recorded, seconds=2.0), FREQ_HZ)
    predicted = analyze(params, freq_hz=FREQ_HZ, gain=LEVEL, rate_hz=RATE_HZ).harmonics_dbfs[:5]
    print("heard    ", np.round(heard, 2), "\npredicted", np.round(predicted, 2))
    # Harmonics the analysis puts below -90 dBFS are in the noise of any real path.
    audible = predicted > -90
    assert np.all(np.abs(heard - predicted)[audible] <= 1.0), (heard, predicted)
    assert np.all(heard[~audible] < -70)


def test_status_reports_meters_latency_and_device(server: PulseServer, tmp_path) -> None:
    wav = write_sine(tmp_path / "sine.wav", FREQ_HZ, LEVEL, 6.0)
    monitor = Monitor(Params(mix=0.0), rate_hz=RATE_HZ)
    monitor.start()
    assert monitor.wait_started(), monitor.status()
    feeder = server.feed(wav)
    # a new PulseAudio client can take a second or two before its sound arrives
    deadline = time.monotonic() + 4.0
    while monitor.status().peak_out_dbfs < -20 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the meters settle on the steady sine
    status = monitor.status()
    feeder.wait(timeout=15)
    monitor.stop()
    assert status.state == "monitoring" and monitor.status().state == "stopped"
    assert status.peak_in_dbfs == pytest.approx(20 * np.log10(LEVEL), abs=0.5)
    assert status.peak_out_dbfs == pytest.approx(20 * np.log10(LEVEL), abs=0.5)  # dry
    assert 0.0 < status.latency_s < 0.5
    assert 0.0 <= status.cpu_load < 1.0
    assert "default" in status.device or "pulse" in status.device
    monitor.start()  # a stopped monitor starts again
    assert monitor.wait_started() and monitor.running
    monitor.close()


@pytest.mark.slow
def test_sixty_seconds_under_ui_load_without_xruns(server: PulseServer) -> None:
    monitor = Monitor(Params(oversample=4))
    warm_up()
    tune_interpreter_for_audio()  # as the workstation and the monitor command do
    monitor.start()
    assert monitor.wait_started(), monitor.status()
    try:
        load = under_ui_load(monitor, 60.0)
        status = monitor.status()
    finally:
        monitor.close()
    rss_kb = load.rss_kb
    print(
        f"\n60 s monitoring: {load.changes} parameter changes, {load.builds} plot builds, "
        f"xruns {status.xruns}, latency {status.latency_s * 1000:.1f} ms, "
        f"RSS {rss_kb[1]} -> {rss_kb[-1]} kB"
    )
    assert status.state == "monitoring", status
    assert load.builds > 500, "the UI load did not run"
    assert status.xruns == 0
    # Flat memory: after warm-up, no growth beyond noise (2 MB) over the minute.
    assert rss_kb[-1] - rss_kb[1] < 2048, rss_kb
