"""The seed notebook's figures, reproduced with grutui's public API.

Transfer curves (output against input) of a 100 Hz sine at 44.1 kHz, 1000 samples, for the seed's
parameter sets, and the harmonic responses of its two harmonic examples. The seed ran the bare
GRU, so these settings have no oversampling and no DC blocker (at 44.1 kHz and 1x the chain is
the seed's equation exactly).

    python examples/seed_figures.py            # PNG files if matplotlib is installed, else text
    python examples/seed_figures.py --text     # text in the terminal
    python examples/seed_figures.py --out figs # where the PNG files go (default: here)
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import grutui

RATE_HZ = 44100
FREQ_HZ = 100.0
BARE = grutui.Params(Wf=0.0, Wh=0.0, Uf=0.0, Uh=0.0, bf=0.0, oversample=1, dc_block=False)

# (title, swept parameter, values, test amplitude, the others' settings)
SWEEPS = [
    ("Wh sweep", "Wh", (0.0, 0.2, 0.5, 1.5), 8.0, {}),
    ("Wf sweep", "Wf", (0.0, 2.0, 5.0, 10.0), 1.5, {"Wh": 2.0}),
    ("Uf sweep", "Uf", (0.0, 2.0, 4.0, 6.0), 1.5, {"Wh": 2.0}),
    ("Uh sweep", "Uh", (0.0, 2.0, 4.0), 1.5, {"Wh": 2.0}),
    ("bf sweep", "bf", (-1.0, 0.0, 2.0), 1.5, {"Wh": 2.0}),
]
HARMONIC_EXAMPLES = [
    ("Odd harmonics", {"Wf": 0.0, "Wh": 2.0, "Uf": 0.0, "Uh": 0.0, "bf": 5.0}),
    ("Odd and even harmonics", {"Wf": 5.0, "Wh": 2.0, "Uf": 2.0, "Uh": 0.0, "bf": 0.0}),
]
MARKS = "o+x*#"


def curve(params: grutui.Params, amplitude: float) -> tuple[np.ndarray, np.ndarray]:
    """The seed's dynamic curve: the first 1000 samples of the sine and the output."""
    x = amplitude * np.sin(2 * np.pi * FREQ_HZ * np.arange(1000) / RATE_HZ)
    return x, grutui.process(x, RATE_HZ, params)


def spectrum_db(params: grutui.Params) -> tuple[np.ndarray, np.ndarray]:
    """The seed's harmonic response: |rfft| of 10000 output samples (amplitude 2), in dB."""
    x = 2.0 * np.sin(2 * np.pi * FREQ_HZ * np.arange(10000) / RATE_HZ)
    y = grutui.process(x, RATE_HZ, params).astype(np.float64)
    magnitude = np.abs(np.fft.rfft(y)) / len(y)
    return np.fft.rfftfreq(len(y), 1 / RATE_HZ), 20 * np.log10(np.maximum(magnitude, 1e-12))


def text_plot(curves: list[tuple[np.ndarray, np.ndarray]], width: int = 61, rows: int = 17) -> str:
    """Curves as characters on a grid: x across, y up, one mark per curve."""
    grid = [[" "] * width for _ in range(rows)]
    x_lim = max(float(np.max(np.abs(x))) for x, _ in curves)
    y_lim = max(max(float(np.max(np.abs(y))) for _, y in curves), 1e-9)
    for mark, (x, y) in zip(MARKS, curves, strict=False):
        cols = np.round((x / x_lim + 1) / 2 * (width - 1)).astype(int)
        lines = np.round((1 - (y / y_lim + 1) / 2) * (rows - 1)).astype(int)
        for c, r in zip(cols, lines, strict=True):
            grid[r][c] = mark
    border = "+" + "-" * width + "+"
    body = "\n".join("|" + "".join(line) + "|" for line in grid)
    return f"{border}\n{body}\n{border}\n x: +-{x_lim:g}   y: +-{y_lim:.3g}"


def text_report() -> None:
    for title, name, values, amplitude, others in SWEEPS:
        params = [BARE.replace(**others, **{name: v}) for v in values]
        legend = ", ".join(f"{m} {name}={v:g}" for m, v in zip(MARKS, values, strict=False))
        print(f"{title} (amplitude {amplitude:g}): {legend}")
        print(text_plot([curve(p, amplitude) for p in params]))
        print()
    for title, values in HARMONIC_EXAMPLES:
        result = grutui.analyze(BARE.replace(**values), gain=2.0, freq_hz=FREQ_HZ, rate_hz=RATE_HZ)
        levels = "  ".join(f"H{h} {db:6.1f}" for h, db in enumerate(result.harmonics_dbr[:7], 1))
        print(f"{title} ({', '.join(f'{k}={v:g}' for k, v in values.items())})")
        print(f"  dBr: {levels}")
        print(f"  THD {result.thd_percent:.1f} %   DC {result.dc:+.3f}")


def png_report(out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, len(SWEEPS), figsize=(4 * len(SWEEPS), 4))
    for ax, (title, name, values, amplitude, others) in zip(axes, SWEEPS, strict=True):
        for v in values:
            x, y = curve(BARE.replace(**others, **{name: v}), amplitude)
            ax.plot(x, y, label=f"{name}={v:g}")
        ax.set(title=title, xlabel="input", ylabel="output")
        ax.legend()
    curves = out / "seed_curves.png"
    fig.tight_layout()
    fig.savefig(curves)
    fig, axes = plt.subplots(1, len(HARMONIC_EXAMPLES), figsize=(12, 4))
    for ax, (title, values) in zip(axes, HARMONIC_EXAMPLES, strict=True):
        freqs, db = spectrum_db(BARE.replace(**values))
        ax.semilogx(freqs[1:], db[1:])
        ax.set(title=title, xlabel="Hz", ylabel="dB", ylim=(-160, 10))
    harmonics = out / "seed_harmonics.png"
    fig.tight_layout()
    fig.savefig(harmonics)
    return [curves, harmonics]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", action="store_true", help="text even if matplotlib is there")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNG files")
    args = parser.parse_args()
    if not args.text:
        try:
            for path in png_report(args.out):
                print(f"wrote {path}")
            return
        except ImportError:
            print("(matplotlib is not installed: text instead)\n")
    text_report()


if __name__ == "__main__":
    main()
