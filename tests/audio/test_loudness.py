"""The BS.1770 loudness meter behind the bypass match, against the standard's reference values."""

from __future__ import annotations

import numpy as np
import pytest

from grutui.dsp.loudness import integrated_loudness_lufs, k_weighting_sos

# BS.1770-4, tables 1 and 2: the K-weighting at 48 kHz.
TABLE_48K = np.array(
    [
        [
            1.53512485958697,
            -2.69169618940638,
            1.19839281085285,
            1.0,
            -1.69065929318241,
            0.73248077421585,
        ],
        [1.0, -2.0, 1.0, 1.0, -1.99004745483398, 0.99007225036621],
    ]
)


def sine(rate_hz: float, seconds: float, dbfs: float, freq_hz: float = 997.0) -> np.ndarray:
    t = np.arange(round(seconds * rate_hz)) / rate_hz
    return 10 ** (dbfs / 20) * np.sin(2 * np.pi * freq_hz * t)


def test_k_weighting_derived_for_48k_is_the_standards_table() -> None:
    assert np.allclose(k_weighting_sos(48000), TABLE_48K, rtol=0, atol=1e-9)


@pytest.mark.parametrize("rate_hz", [44100, 96000])
@pytest.mark.parametrize(("dbfs", "lufs"), [(0.0, -3.01), (-20.0, -23.01)])
def test_a_sine_in_one_channel_reads_the_standards_value(rate_hz, dbfs, lufs) -> None:
    # BS.1770: a 0 dBFS 1 kHz sine in the left, centre or right channel reads -3.01 LKFS.
    left = sine(rate_hz, 5.0, dbfs)
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    measured = integrated_loudness_lufs(stereo, rate_hz)
    print(f"{rate_hz} Hz, {dbfs:g} dBFS 997 Hz in one channel: {measured:.3f} LUFS")
    assert measured == pytest.approx(lufs, abs=0.03)
    assert integrated_loudness_lufs(left[:, None], rate_hz) == pytest.approx(measured, abs=1e-9)


def _segments(rate_hz: float, parts: list[tuple[float, float]]) -> np.ndarray:
    """A stereo 1 kHz sine, ``parts`` as (dBFS per channel, seconds) in a row (EBU Tech 3341)."""
    mono = np.concatenate([sine(rate_hz, seconds, dbfs, 1000.0) for dbfs, seconds in parts])
    return np.stack([mono, mono], axis=1)


@pytest.mark.parametrize("rate_hz", [44100, 96000])
@pytest.mark.parametrize(
    "parts",
    [
        [(-23.0, 20.0)],  # Tech 3341 case 1
        [(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)],  # case 3: the relative gate
        [(-72.0, 10.0), (-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0), (-72.0, 10.0)],  # case 4
        [(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)],  # case 5
    ],
    ids=["case1", "case3", "case4", "case5"],
)
def test_gating_gives_ebu_tech_3341_integrated_loudness(rate_hz, parts) -> None:
    measured = integrated_loudness_lufs(_segments(rate_hz, parts), rate_hz)
    assert measured == pytest.approx(-23.0, abs=0.1)


def test_silence_is_minus_infinity_and_excerpts_pool_their_blocks() -> None:
    assert integrated_loudness_lufs(np.zeros((48000, 2)), 48000) == -np.inf
    loud, quiet = sine(48000, 2.0, -20.0), sine(48000, 2.0, -26.0)
    whole = integrated_loudness_lufs(np.concatenate([loud, quiet])[:, None], 48000)
    pooled = integrated_loudness_lufs([loud[:, None], quiet[:, None]], 48000)
    assert pooled == pytest.approx(whole, abs=0.05)
