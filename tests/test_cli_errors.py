"""Issue 10's classes of bad input, run as a user would: one clear line, exit 1 (bad data) or 2
(bad usage), no traceback, nothing left behind, inputs untouched."""

from __future__ import annotations

import json
import math
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import grutui_command, grutui_env, run_grutui, snapshot, write_tone


def one_line_error(result: subprocess.CompletedProcess[str], status: int, *words: str) -> None:
    assert result.returncode == status, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("grutui: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)


# Root reads and writes past permission bits; without these two capabilities it obeys them like
# any user, so the permission cases run in CI (as root) too.
OBEY_PERMISSIONS = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
)


def fails_cleanly(
    tmp_path: Path, args: list[str], status: int, *words: str, prefix: list[str] | None = None
) -> None:
    """``args`` fail with one line naming ``words``, and ``tmp_path`` is as it was."""
    before = snapshot(tmp_path)
    result = run_grutui(*args, cwd=tmp_path, timeout=60, prefix=prefix or [])
    one_line_error(result, status, *words)
    assert snapshot(tmp_path) == before


class TestInputs:
    """Audio inputs that are not regular files, not readable or not audio."""

    def test_a_fifo_is_named_not_read(self, tmp_path):
        os.mkfifo(tmp_path / "pipe.wav")
        fails_cleanly(tmp_path, ["render", "pipe.wav", "-o", "out.wav"], 1, "named pipe")

    def test_a_link_to_dev_zero_is_named(self, tmp_path):
        (tmp_path / "zero.wav").symlink_to("/dev/zero")
        fails_cleanly(tmp_path, ["render", "zero.wav", "-o", "out.wav"], 1, "character device")

    def test_dev_stdin_is_not_read(self, tmp_path):
        args = ["render", "/dev/stdin", "-o", str(tmp_path / "out.wav")]
        result = subprocess.run(
            grutui_command(*args),
            stdin=subprocess.PIPE,
            capture_output=True,
            text=True,
            env=grutui_env(),
            timeout=60,
        )
        one_line_error(result, 1, "/dev/stdin", "not an audio file")
        assert not list(tmp_path.iterdir())

    def test_a_folder(self, tmp_path):
        (tmp_path / "folder.wav").mkdir()
        fails_cleanly(tmp_path, ["render", "folder.wav", "-o", "out.wav"], 1, "is a folder")

    def test_an_unreadable_file_is_permission_denied_not_not_audio(self, tmp_path):
        write_tone(tmp_path / "secret.wav")
        (tmp_path / "secret.wav").chmod(0)
        args = ["render", "secret.wav", "-o", "out.wav"]
        fails_cleanly(tmp_path, args, 1, "permission denied", prefix=OBEY_PERMISSIONS)

    def test_a_newline_in_a_file_name_stays_on_one_line(self, tmp_path):
        (tmp_path / "two\nlines.wav").write_text("not audio")
        fails_cleanly(tmp_path, ["render", "two\nlines.wav", "-o", "out.wav"], 1, "two\\nlines")

    @pytest.mark.parametrize(
        "name",
        ["x" * 300 + ".wav", "loop.wav", "in.wav/x.wav", "x.toml"],
        ids=["long", "loop", "under-file", "folder"],
    )
    def test_the_workstation_file_is_checked_before_the_screen(self, tmp_path, tone, name):
        (tmp_path / "loop.wav").symlink_to("loop.wav")
        (tmp_path / "x.toml").mkdir()
        fails_cleanly(tmp_path, [name], 1, name[:20])

    def test_the_mp3_decoders_own_messages_do_not_add_lines(self, tmp_path):
        noise = np.random.default_rng(4).uniform(-0.5, 0.5, (48000 * 2, 2)).astype(np.float32)
        sf.write(tmp_path / "full.mp3", noise, 48000)
        data = (tmp_path / "full.mp3").read_bytes()
        (tmp_path / "tiny.mp3").write_bytes(data[:200])  # libmpg123: "a one-frame stream? Duh"
        args = ["render", "tiny.mp3", "-o", "out.wav"]
        fails_cleanly(tmp_path, args, 1, "tiny.mp3: not an audio file", "damaged")
        (tmp_path / "half.mp3").write_bytes(data[: len(data) // 2])  # "Xing stream size off"
        result = run_grutui("render", "half.mp3", "-o", "out.wav", cwd=tmp_path)
        assert result.returncode == 0 and result.stdout.startswith("out.wav: peak")
        assert result.stderr.count("\n") <= 1 and "Traceback" not in result.stderr
        assert all(line.startswith("grutui: warning: ") for line in result.stderr.splitlines())

    def test_the_workstation_says_a_damaged_mp3_in_one_line(self, tmp_path):
        # libmpg123 prints four lines ("Note: Trying to resync...") before it gives up
        noise = np.random.default_rng(4).uniform(-0.5, 0.5, (48000 * 4, 2)).astype(np.float32)
        sf.write(tmp_path / "full.mp3", noise, 48000)
        data = (tmp_path / "full.mp3").read_bytes()
        half = len(data) // 2
        (tmp_path / "bad.mp3").write_bytes(data[:half] + bytes(range(256)) * 40 + data[half:])
        fails_cleanly(tmp_path, ["bad.mp3"], 1, "bad.mp3: read error midway")

    @pytest.mark.parametrize("command", [["play"], []], ids=["play", "workstation"])
    def test_a_file_read_whole_that_is_corrupt_midway(self, tmp_path, command):
        _flac_corrupt_midway(tmp_path)
        args = [*command, "bad.flac"]
        fails_cleanly(tmp_path, args, 1, "bad.flac: read error midway (flac decoder lost sync)")

    def test_a_play_file_that_is_a_fifo_does_not_hang(self, tmp_path):
        os.mkfifo(tmp_path / "pipe.wav")
        fails_cleanly(tmp_path, ["play", "pipe.wav"], 1, "named pipe")


class TestPresetFiles:
    """Preset paths and contents: not regular, too big, numbers and nesting beyond reason."""

    @pytest.mark.parametrize(
        ("text", "words"),
        [
            ("[params]\nWf = " + "9" * 400 + "\n", "Wf: a 400-digit number is out of range"),
            ("[params]\nWf = " + "9" * 5000 + "\n", "TOML error"),
            ("[params]\nWf = " + "[" * 1000 + "]" * 1000 + "\n", "nested too deep"),
            ("[params]\nWf = nan\n", "not a finite number"),
            ("[params]\nWf = -inf\n", "not a finite number"),
            ('name = ""\n', "non-empty"),
            ("[params]\nWh = 1e400\n", "not a finite number"),
        ],
        ids=["400-digits", "5000-digits", "nested", "nan", "-inf", "empty-name", "1e400"],
    )
    def test_bad_values_name_the_file_and_key(self, tmp_path, text, words):
        (tmp_path / "bad.toml").write_text(text)
        fails_cleanly(tmp_path, ["analyze", "--preset", "bad.toml"], 1, "bad.toml", words)

    def test_a_fifo_preset(self, tmp_path):
        os.mkfifo(tmp_path / "pipe.toml")
        fails_cleanly(tmp_path, ["analyze", "--preset", "pipe.toml"], 1, "named pipe")

    def test_a_preset_linked_to_dev_zero(self, tmp_path):
        (tmp_path / "zero.toml").symlink_to("/dev/zero")
        fails_cleanly(tmp_path, ["analyze", "--preset", "zero.toml"], 1, "character device")

    def test_a_huge_preset_file(self, tmp_path):
        (tmp_path / "huge.toml").write_text("# " + "x" * (2 << 20) + "\n")
        fails_cleanly(tmp_path, ["analyze", "--preset", "huge.toml"], 1, "too large")

    @pytest.mark.parametrize("command", [["analyze"], ["render", "x.wav", "-o", "y.wav"]])
    def test_an_empty_preset_name_is_refused(self, tmp_path, command):
        fails_cleanly(tmp_path, [*command, "--preset", ""], 2, "empty preset name")

    def test_live_on_a_factory_preset_is_refused_and_the_file_untouched(self, tmp_path):
        from grutui import preset_store

        factory = preset_store.factory_dir() / "odd-harmonics.toml"
        before = factory.read_bytes()
        one_line_error(run_grutui(str(factory), "--live"), 1, "factory presets are read-only")
        one_line_error(run_grutui("--live", "--preset", "Odd Harmonics"), 1, "read-only")
        assert factory.read_bytes() == before


class TestOutputs:
    """Where outputs go and what they can hold: checked before anything is written."""

    def test_d_naming_an_existing_file(self, tmp_path, tone):
        (tmp_path / "file").write_text("x")
        fails_cleanly(tmp_path, ["render", "in.wav", "-d", "file"], 1, "is a file, not a folder")

    def test_d_under_a_file(self, tmp_path, tone):
        (tmp_path / "file").write_text("x")
        fails_cleanly(tmp_path, ["render", "in.wav", "-d", "file/sub"], 1, "cannot be created")

    def test_o_under_a_file(self, tmp_path, tone):
        (tmp_path / "file").write_text("x")
        fails_cleanly(tmp_path, ["render", "in.wav", "-o", "file/out.wav"], 1, "not a folder")

    def test_a_name_too_long_for_the_file_system(self, tmp_path, tone):
        fails_cleanly(tmp_path, ["render", "in.wav", "-o", "x" * 300 + ".wav"], 1, "too long")

    def test_a_name_that_just_fits_is_written(self, tmp_path, tone):
        name = "x" * 251 + ".wav"  # 255 bytes: the temporary name must fit too
        assert run_grutui("render", "in.wav", "-o", name, cwd=tmp_path).returncode == 0
        assert sf.info(tmp_path / name).frames == sf.info(tone).frames

    @pytest.mark.parametrize("link", ["loop", "nowhere"], ids=["loop", "dangling"])
    def test_d_naming_a_link_that_leads_nowhere(self, tmp_path, tone, link):
        (tmp_path / "out").symlink_to(link if link == "nowhere" else "out")
        fails_cleanly(tmp_path, ["render", "in.wav", "-d", "out"], 1, "leads nowhere")

    def test_d_with_a_folder_name_too_long_to_create(self, tmp_path, tone):
        args = ["render", "in.wav", "-d", "d" * 300 + "/sub"]
        fails_cleanly(tmp_path, args, 1, "folder name too long")

    @pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
    def test_o_naming_a_dangling_link(self, tmp_path, tone, force):
        (tmp_path / "out.wav").symlink_to("elsewhere.wav")
        args = ["render", "in.wav", "-o", "out.wav", *force]
        fails_cleanly(tmp_path, args, 1, "out.wav: is a broken symbolic link")

    def test_o_through_a_link_writes_the_linked_file_and_keeps_the_link(self, tmp_path, tone):
        write_tone(tmp_path / "old.wav", seconds=0.1)
        (tmp_path / "out.wav").symlink_to("old.wav")
        refused = run_grutui("render", "in.wav", "-o", "out.wav", cwd=tmp_path)
        one_line_error(refused, 1, "old.wav: already exists")
        written = run_grutui("render", "in.wav", "-o", "out.wav", "--force", cwd=tmp_path)
        assert written.returncode == 0, written.stderr
        assert os.readlink(tmp_path / "out.wav") == "old.wav"
        assert sf.info(tmp_path / "old.wav").frames == sf.info(tone).frames

    def test_o_ending_in_a_slash(self, tmp_path, tone):
        fails_cleanly(tmp_path, ["render", "in.wav", "-o", "out.wav/"], 1, "names a folder")

    @pytest.mark.parametrize(
        "args",
        [
            ["render", "", "-o", "out.wav"],
            ["render", "in.wav", "-o", ""],
            ["render", "in.wav", "-d", ""],
        ],
        ids=["in", "out", "dir"],
    )
    def test_empty_names(self, tmp_path, tone, args):
        fails_cleanly(tmp_path, args, 2, "empty")

    def test_a_name_that_is_not_utf8_renders_and_is_shown_escaped(self, tmp_path, tone):
        name = os.fsdecode(b"caf\xe9.wav")
        (tmp_path / name).write_bytes(tone.read_bytes())
        result = run_grutui("render", name, "-o", "out.wav", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        again = run_grutui("render", "in.wav", "-o", name, cwd=tmp_path)
        one_line_error(again, 1, "caf\\xe9.wav: already exists")

    @pytest.mark.parametrize(("rate", "channels"), [(768000, 1), (48000, 256)])
    def test_what_crashes_the_vorbis_encoder_is_refused_first(self, tmp_path, rate, channels):
        write_tone(tmp_path / "in.wav", rate_hz=rate, channels=channels, seconds=0.05)
        args = ["render", "in.wav", "-o", "out.ogg"]  # was a segmentation fault
        fails_cleanly(tmp_path, args, 1, "out.ogg: OGG cannot hold")

    def test_64_channels_to_flac(self, tmp_path):
        write_tone(tmp_path / "many.wav", channels=64, seconds=0.1)
        fails_cleanly(tmp_path, ["render", "many.wav", "-o", "out.flac"], 1, "64 channels")

    def test_an_output_that_is_a_fifo_is_refused_even_with_force(self, tmp_path, tone):
        os.mkfifo(tmp_path / "out.wav")
        fails_cleanly(
            tmp_path, ["render", "in.wav", "-o", "out.wav", "--force"], 1, "not a regular file"
        )

    def test_a_read_only_folder(self, tmp_path, tone):
        (tmp_path / "ro").mkdir()
        (tmp_path / "ro").chmod(0o555)
        args = ["render", "in.wav", "-d", "ro"]
        fails_cleanly(tmp_path, args, 1, "cannot write files", prefix=OBEY_PERMISSIONS)

    def test_an_mp3_renders_to_wav_with_a_subtype_wav_holds(self, tmp_path):
        data = write_tone(tmp_path / "in.wav", 44100, 2, seconds=0.5, subtype="FLOAT")
        sf.write(tmp_path / "in.mp3", data, 44100, format="MP3")
        result = run_grutui("render", "in.mp3", "-o", "out.wav", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert sf.info(tmp_path / "out.wav").subtype == "PCM_16"

    @pytest.mark.parametrize(
        "args",
        [[], ["--normalize", "-3"], ["--preset", "loud.toml"]],
        ids=["plain", "normalize", "auto-gain-preset"],
    )
    def test_a_gsm_wav_renders_like_its_decoded_samples(self, tmp_path, args):
        # libsndfile cannot seek in GSM 6.10: every pass must read the file from a fresh open
        write_tone(tmp_path / "tone.wav", 8000, 1, subtype="GSM610")
        with sf.SoundFile(tmp_path / "tone.wav") as f:
            assert not f.seekable()
            decoded = f.read(f.frames, dtype="float32", always_2d=True)
        sf.write(tmp_path / "decoded.wav", decoded, 8000, subtype="FLOAT")
        (tmp_path / "loud.toml").write_text(
            'name = "Loud"\n[params]\ndrive_db = 12.0\nauto_gain = true\n'
        )
        for name in ("tone", "decoded"):
            out = ["-o", f"{name}-out.wav", "--subtype", "FLOAT"]
            result = run_grutui("render", f"{name}.wav", *out, *args, cwd=tmp_path)
            assert result.returncode == 0 and result.stderr == "", result.stderr
        rendered, rate_hz = sf.read(tmp_path / "tone-out.wav", dtype="float32", always_2d=True)
        assert rate_hz == 8000 and rendered.shape == decoded.shape
        assert np.array_equal(
            rendered, sf.read(tmp_path / "decoded-out.wav", dtype="float32", always_2d=True)[0]
        )
        if args[:1] == ["--normalize"]:
            assert 20 * np.log10(np.max(np.abs(rendered))) == pytest.approx(-3.0, abs=1e-3)


def _flac_corrupt_midway(folder: Path) -> None:
    """``good.flac`` (3 s of noise) and ``bad.flac``, which loses sync halfway through."""
    noise = np.random.default_rng(0).uniform(-0.5, 0.5, (48000 * 3, 2)).astype(np.float32)
    sf.write(folder / "good.flac", noise, 48000, subtype="PCM_16")
    data = bytearray((folder / "good.flac").read_bytes())
    data[len(data) // 2 : len(data) // 2 + 20000] = b"\xff" * 20000
    (folder / "bad.flac").write_bytes(bytes(data))


class TestBatches:
    """Batches: check all first and name every problem; then a late failure stops one file."""

    def test_every_problem_is_named_and_nothing_written(self, tmp_path):
        for name in ("a.wav", "b.wav", "c.wav"):
            write_tone(tmp_path / name, seconds=0.2)
        (tmp_path / "text.wav").write_text("not audio")
        (tmp_path / "out").mkdir()
        write_tone(tmp_path / "out" / "b.wav", seconds=0.1)
        before = snapshot(tmp_path)
        result = run_grutui(
            "render", "a.wav", "b.wav", "text.wav", "c.wav", "-d", "out", cwd=tmp_path
        )
        assert result.returncode == 1 and "Traceback" not in result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 2
        assert "out/b.wav: already exists" in lines[0] and "text.wav: not an audio" in lines[1]
        assert snapshot(tmp_path) == before

    def test_a_file_that_fails_while_rendering_stops_alone(self, tmp_path):
        write_tone(tmp_path / "a.wav", seconds=0.3)
        write_tone(tmp_path / "c.wav", seconds=0.3)
        sf.write(tmp_path / "silent.wav", np.zeros((4800, 1), np.float32), 48000)
        result = run_grutui(
            "render",
            "a.wav",
            "silent.wav",
            "c.wav",
            "-d",
            "out",
            "--normalize",
            "-1",
            cwd=tmp_path,
        )
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "silent.wav: output is silent" in result.stderr
        assert "rendered 2 of 3 files; 1 failed" in result.stderr
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.wav", "c.wav"]
        assert result.stdout.count("peak -1.0 dBFS") == 2

    def test_a_single_file_failing_while_rendering_is_one_line(self, tmp_path):
        sf.write(tmp_path / "silent.wav", np.zeros((4800, 2), np.float32), 48000)
        args = ["render", "silent.wav", "-o", "out.wav", "--normalize", "-1"]
        fails_cleanly(tmp_path, args, 1, "silent.wav: output is silent")

    def test_a_file_corrupt_midway_stops_alone_with_nothing_left(self, tmp_path):
        _flac_corrupt_midway(tmp_path)
        result = run_grutui("render", "bad.flac", "good.flac", "-d", "out", cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "bad.flac: read error midway (flac decoder lost sync)" in result.stderr
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.flac"]


class TestNumbers:
    """Every number has a range, finite only, and the error names it."""

    @pytest.mark.parametrize(
        "args",
        [
            ["render", "in.wav", "-o", "out.wav", "--normalize", value]
            for value in ("nan", "inf", "-inf", "-1e308", "1e308", "3")
        ]
        + [["analyze", "--freq", v] for v in ("1e-3", "1e-9", "nan", "0")]
        + [["analyze", "--rate", v] for v in ("inf", "1e300", "-48000", "100")]
        + [["analyze", "--gain", v] for v in ("nan", "inf", "0", "-1")]
        + [["analyze", "--level", v] for v in ("nan", "1e9", "-inf")]
        + [["render", "in.wav", "-d", "o", "--jobs", v] for v in ("0", "-1", "²", "1e9", "2.5")]
        + [["monitor", "--blocksize", v] for v in ("0", "1e12", "x")]
        + [["monitor", "--duration", v] for v in ("nan", "-1", "0", "inf")],
        ids=lambda args: " ".join(args[-2:]),
    )
    def test_out_of_range_is_a_usage_error_naming_the_range(self, tmp_path, tone, args):
        fails_cleanly(tmp_path, args, 2, args[-2])

    @pytest.mark.parametrize(
        "args",
        [
            ["analyze", "--freq=--"],
            ["analyze", "--level=--"],
            ["analyze", "--rate=--"],
            ["render", "in.wav", "-o", "out.wav", "--normalize=--"],
            ["render", "in.wav", "-d", "o", "--jobs=--"],
            ["monitor", "--blocksize=--"],
        ],
        ids=lambda args: args[-1],
    )
    def test_a_double_dash_as_the_value_is_a_usage_error(self, tmp_path, tone, args):
        # argparse hands "--opt=--" an empty list instead of a value
        fails_cleanly(tmp_path, args, 2, args[-1].split("=")[0], "'--'")

    @pytest.mark.parametrize(
        "args",
        [
            ["analyze", "--rate", "12\n"],
            ["render", "in.wav", "-o", "out.wav", "--normalize", "3\n"],
            ["analyze", "--freq", "\x1b[2J"],
            ["analyze", "--freq", "1_000"],
            ["render", "in.wav", "-d", "o", "--jobs", "1_0"],
            ["analyze", "--level", "\uff15"],
        ],
        ids=["newline", "normalize-newline", "escape", "underscore", "jobs", "fullwidth"],
    )
    def test_only_plain_ascii_numbers_and_the_error_on_one_line(self, tmp_path, tone, args):
        fails_cleanly(tmp_path, args, 2, args[-2])

    @pytest.mark.parametrize("value", ["Wf=\u0665", "Wf=\uff15", "Wf=1_0", "oversample=\u0664"])
    def test_set_takes_only_plain_ascii_numbers(self, tmp_path, value):
        fails_cleanly(tmp_path, ["analyze", "--set", value], 1, "expected a number")

    def test_freq_above_half_the_rate(self, tmp_path):
        fails_cleanly(tmp_path, ["analyze", "--freq", "30000", "--rate", "44100"], 2, "half")

    @pytest.mark.parametrize("value", ["nan", "1e400", "-inf", "9" * 400])
    def test_set_values(self, tmp_path, value):
        fails_cleanly(tmp_path, ["analyze", "--set", f"Wf={value}"], 1, "Wf")

    def test_analysis_is_bounded_in_time_at_the_edges_of_the_ranges(self):
        start = time.monotonic()
        for args in (["--freq", "10", "--rate", "384000"], ["--freq", "10.37", "--rate", "8000"]):
            result = run_grutui("analyze", *args, "--set", "oversample=8", "--json")
            assert result.returncode == 0, result.stderr
        assert time.monotonic() - start < 60

    def test_json_never_holds_nan_or_infinity(self):
        def refuse(token: str) -> float:
            raise AssertionError(f"{token} in JSON")

        for args in (
            ["--set", "Wh=0"],
            ["--level", "-120", "--set", "mix=0"],
            ["--sweep", "level", "--set", "Wh=0"],
        ):
            result = run_grutui("analyze", *args, "--json")
            assert result.returncode == 0, result.stderr
            json.loads(result.stdout, parse_constant=refuse)


def _in_shell(args: list[str], redirections: str) -> subprocess.CompletedProcess[str]:
    """The checkout's grutui with ``args`` run by the shell, followed by ``redirections``."""
    command = " ".join(shlex.quote(a) for a in grutui_command(*args))
    return subprocess.run(
        f"{command} {redirections}",
        shell=True,
        capture_output=True,
        text=True,
        env=grutui_env(),
        timeout=120,
    )


class TestStandardOutput:
    def test_a_closed_pipe_ends_quietly(self):
        result = _in_shell(["analyze", "--json"], "| head -c 10")
        assert len(result.stdout) == 10 and result.stderr == ""

    @pytest.mark.parametrize("command", [["presets", "list"], ["analyze"]])
    def test_a_closed_stdout_is_one_line(self, command):
        result = _in_shell([*command], ">&-")
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert "cannot write to standard output (it is closed)" in result.stderr

    def test_with_stderr_closed_errors_never_reach_stdout(self):
        result = _in_shell(["presets", "show", "nope"], "2>&-")
        assert result.returncode == 1 and result.stdout == ""

    def test_a_full_device_is_one_line(self):
        with open("/dev/full", "w") as full:
            result = subprocess.run(
                grutui_command("presets", "list"),
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                env=grutui_env(),
                timeout=120,
            )
        assert result.returncode == 1 and result.stderr.count("\n") == 1
        assert "cannot write to standard output" in result.stderr


def _start_render(tmp_path: Path, jobs: int) -> tuple[subprocess.Popen[str], Path]:
    noise = np.random.default_rng(0).uniform(-1, 1, (48000 * 40, 2)).astype(np.float32)
    sources = []
    for i in range(jobs + 1):
        sources.append(tmp_path / f"long{i}.wav")
        sf.write(sources[-1], noise, 48000)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        grutui_command(
            "render",
            *map(str, sources),
            "-d",
            str(out),
            "--jobs",
            str(jobs),
            "--set",
            "oversample=8",
        ),
        stderr=subprocess.PIPE,
        text=True,
        env=grutui_env(),
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not any(out.iterdir()):  # the first temporary file: rendering has begun
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    return proc, out


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


class TestSignals:
    @pytest.mark.parametrize("jobs", [1, 2])
    @pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
    def test_term_and_hup_stop_like_ctrl_c(self, tmp_path, signum, jobs):
        proc, out = _start_render(tmp_path, jobs)
        workers = _children_of(proc.pid)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 128 + signum and "Traceback" not in stderr
        time.sleep(0.5)
        assert list(out.iterdir()) == []
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]

    def test_a_killed_runs_leftovers_are_cleaned_by_the_next_run(self, tmp_path):
        proc, out = _start_render(tmp_path, 1)
        proc.kill()
        proc.wait(timeout=30)
        assert [p for p in out.iterdir() if ".grutui-part" in p.name]
        write_tone(tmp_path / "short.wav", seconds=0.2)
        assert run_grutui("render", "short.wav", "-d", str(out), cwd=tmp_path).returncode == 0
        assert [p.name for p in out.iterdir()] == ["short.wav"]

    def test_two_renders_to_the_same_new_output_cannot_both_win(self, tmp_path):
        noise = np.random.default_rng(1).uniform(-1, 1, (48000 * 3, 2)).astype(np.float32)
        sf.write(tmp_path / "a.wav", noise, 48000)
        command = grutui_command("render", "a.wav", "-o", "out.wav", "--set", "oversample=8")
        procs = [
            subprocess.Popen(
                command,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=grutui_env(),
            )
            for _ in range(2)
        ]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
        assert sorted(status for status, _ in results) == [0, 1], results
        assert "already exists" in max(results)[1]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "out.wav"]


class TestDevices:
    def test_a_unicode_digit_device_is_a_name_not_a_crash(self, tmp_path, tone):
        result = run_grutui("play", "in.wav", "--device", "²", cwd=tmp_path, timeout=120)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.count("\n") == 1


def test_peak_and_clipping_are_reported_and_exit_stays_0(tmp_path):
    data = write_tone(tmp_path / "in.wav", subtype="PCM_16", amplitude=0.9)
    hot = ["--set", "Wh=8", "--set", "output_db=12"]
    result = run_grutui("render", "in.wav", "-o", "out.wav", *hot, cwd=tmp_path)
    assert result.returncode == 0
    (line,) = result.stdout.splitlines()
    clipped = int(line.split(", ")[1].split()[0])
    assert line.startswith("out.wav: peak +") and clipped > 100
    assert f"{clipped} samples clipped" in result.stderr and "--normalize" in result.stderr
    as_float = run_grutui(
        "render", "in.wav", "-o", "f.wav", "--subtype", "FLOAT", *hot, cwd=tmp_path
    )
    peak = float(as_float.stdout.split("peak ")[1].split()[0])
    expected = 20 * math.log10(np.abs(sf.read(tmp_path / "f.wav")[0]).max())
    assert peak == pytest.approx(expected, abs=0.05) and as_float.stderr == ""
    assert len(data)


def test_only_a_bug_prints_a_traceback_with_a_line_asking_to_report_it(monkeypatch, capsys):
    from grutui import cli
    from grutui.commands import presets

    def broken(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(presets, "list_presets", broken)
    assert cli.main(["presets", "list"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: a bug" in err
    assert err.splitlines()[-1] == (
        "grutui: internal error (RuntimeError); this is a bug in grutui, please report it with "
        "the traceback above"
    )
