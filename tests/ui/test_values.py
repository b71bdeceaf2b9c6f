"""Values as shown (every step visible), tapered sliders, randomise and the A/B morph."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from grutui import preset_store
from grutui.params import GRU_NAMES, SPEC_BY_NAME, SPECS, Params
from grutui.ui.app import GrutuiApp
from grutui.ui.slider import LABEL_W, ParamSlider
from grutui.ui.slot_compare import SlotCompare
from tests.ui.helpers import notices, until


def slider(app: GrutuiApp, name: str) -> ParamSlider:
    return app.main.query_one(f"#slider-{name}", ParamSlider)


def shown(widget: ParamSlider | SlotCompare) -> str:
    return str(widget.render())


def bar(widget: ParamSlider) -> tuple[int, int]:
    """(column of the thumb inside the bar, the bar's width) as drawn."""
    start, width = widget._bar_span()
    return shown(widget)[start : start + width].index("●"), width


# -- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [s for s in SPECS if s.kind == "float"], ids=lambda s: s.name)
def test_every_fine_step_changes_the_value_shown(spec) -> None:  # type: ignore[no-untyped-def]
    value = spec.minimum
    seen = [spec.format(value)]
    while value < spec.maximum:
        value = spec.clamp_step(value, 0.1)
        seen.append(spec.format(value))
    assert len(seen) == len(set(seen)), f"{spec.name}: two fine steps look the same"
    assert all(float(spec.format_number(v)) == pytest.approx(v) for v in (value, spec.default))


def test_a_typed_value_between_fine_steps_shows_its_own_digits() -> None:
    wf = SPEC_BY_NAME["Wf"]
    assert wf.format(0.5) == "0.50"
    assert wf.format(0.123456) == "0.123456"
    assert wf.format(-0.0) == "0.00"  # never a minus zero
    assert SPEC_BY_NAME["drive_db"].format(-3.5) == "-3.50 dB"


async def test_three_fine_steps_show_everywhere_as_saved(app: GrutuiApp, pilot: Pilot) -> None:
    """From Wf 0.5, three ] presses save Wf = 0.53, and the slider, the A/B table, the value
    dialog and ``grutui presets show`` all say 0.53."""
    await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
    assert app.session.params.Wf == 0.53
    app.main.show_params()
    await pilot.pause()
    assert "0.53" in shown(slider(app, "Wf"))
    assert "0.53" in shown(app.main.query_one(SlotCompare))  # A differs from B now
    await pilot.press("enter")
    assert app.screen.query_one("#value-input", Input).value == "0.53"
    await pilot.press("escape", "ctrl+s")
    await pilot.press(*"fine", "enter", "enter")
    await pilot.pause()
    assert preset_store.find("fine").params.Wf == 0.53
    out = subprocess.run(
        [sys.executable, "-m", "grutui", "presets", "show", "fine"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Wf         0.53" in out


# -- tapers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Wh", "drive_db", "Wf", "mix"])
def test_a_taper_maps_each_position_to_one_value_and_back(name: str) -> None:
    spec = SPEC_BY_NAME[name]
    positions = [i / 200 for i in range(201)]
    values = [spec.value_at(p) for p in positions]
    assert values == sorted(values) and values[0] == spec.minimum and values[-1] == spec.maximum
    for p, v in zip(positions, values, strict=True):
        assert spec.fraction(v) == pytest.approx(p, abs=1e-9)


def test_wh_gives_its_useful_corner_most_of_the_travel_and_keeps_its_range() -> None:
    wh = SPEC_BY_NAME["Wh"]
    assert (wh.minimum, wh.maximum, wh.default) == (0.0, 20.0, 1.0)  # stored values unchanged
    assert wh.fraction(5.0) > 0.6  # 0..5 is a quarter of the range, most of the travel
    drive = SPEC_BY_NAME["drive_db"]
    assert drive.fraction(0.0) == pytest.approx(0.4)  # the default where it was
    assert drive.fraction(12.0) - drive.fraction(-12.0) > 0.6  # linear: 0.4


async def test_the_wh_slider_thumb_and_clicks_follow_the_taper(
    app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("down", "enter", "end", "ctrl+u", *"5", "enter")
    await pilot.pause()
    wh = slider(app, "Wh")
    column, width = bar(wh)
    assert column / (width - 1) == pytest.approx(
        SPEC_BY_NAME["Wh"].fraction(5.0), abs=0.5 / (width - 1)
    )
    assert column / (width - 1) > 0.6  # not a quarter of the way, as a linear bar had it
    await pilot.click(wh, offset=(LABEL_W + (width - 1) // 2, 0))  # the middle of the bar
    middle = SPEC_BY_NAME["Wh"].value_at(((width - 1) // 2) / (width - 1))
    assert app.session.params.Wh == pytest.approx(middle, abs=0.005)
    assert 2.0 < app.session.params.Wh < 3.0  # 20 * 0.5**3 = 2.5, not 10


# -- randomise ----------------------------------------------------------------------------------


async def test_n_draws_new_gru_settings_in_their_useful_ranges_one_undo_step(
    app: GrutuiApp, pilot: Pilot
) -> None:
    app.session.set(app.session.params.replace(drive_db=6.0, mix=80.0))
    before = app.session.params
    drawn = set()
    for _ in range(12):
        await pilot.press("n")
        params = app.session.params
        drawn.add(params)
        for name in GRU_NAMES:
            low, high = SPEC_BY_NAME[name].useful or (-1e9, 1e9)
            assert low <= getattr(params, name) <= high, name
        assert (params.drive_db, params.mix) == (6.0, 80.0)  # the chain's settings kept
    assert len(drawn) == 12
    assert len({p.Wf for p in drawn}) > 6 and len({p.Wh for p in drawn}) > 6
    for _ in range(12):
        await pilot.press("u")
    assert app.session.params == before  # twelve presses, twelve undo steps


# -- morph --------------------------------------------------------------------------------------


async def test_morph_keys_move_between_the_slots_and_back_exactly(
    app: GrutuiApp, pilot: Pilot
) -> None:
    a = Params()
    b = Params(Wf=4.5, Wh=5.0, Uf=2.5, Uh=1.5, bf=3.0, drive_db=12.0, mix=50.0, oversample=8)
    app.session.slots["B"] = b
    await pilot.press(*["right_parenthesis"] * 5)
    half = app.session.params
    assert app.session.morph_fraction == pytest.approx(0.5)
    assert "morph A→B 50%" in str(app.main.query_one("#left").border_title)
    assert a.Wf < half.Wf < b.Wf and a.drive_db < half.drive_db < b.drive_db
    assert half.mix == 75.0  # an untapered number: halfway
    wh = SPEC_BY_NAME["Wh"]  # a tapered one: halfway along the slider
    assert wh.fraction(half.Wh) == pytest.approx((wh.fraction(1.0) + wh.fraction(5.0)) / 2, 0.01)
    assert half.oversample == 8  # a choice flips at the middle
    assert app.session.slots["B"] == b  # the other end is untouched
    await pilot.press(*["right_parenthesis"] * 7)  # past the end stops at B
    assert app.session.params == b and app.session.morph_fraction == 1.0
    await pilot.press(*["left_parenthesis"] * 10)
    assert app.session.params == a  # and all the way back is A exactly
    await pilot.press("right_parenthesis", "right_parenthesis", "u")
    assert app.session.params == a  # a run of presses is one undo step


async def test_morph_from_slot_b_starts_at_b_and_an_edit_ends_it(
    app: GrutuiApp, pilot: Pilot
) -> None:
    app.session.slots["B"] = Params(Wf=5.5)
    await pilot.press("b", "left_parenthesis")
    assert app.session.params.Wf == pytest.approx(5.0)  # 90 % of the way from A
    await pilot.press("right")
    assert app.session.morph_fraction is None
    assert "morph" not in str(app.main.query_one("#left").border_title)


async def test_morph_between_equal_slots_says_why_nothing_moves(
    app: GrutuiApp, pilot: Pilot
) -> None:
    await pilot.press("right_parenthesis")
    assert app.session.params == Params()
    assert any("Slots A and B are the same" in n for n in notices(app))


async def test_the_palette_randomises_and_morphs_by_name(app: GrutuiApp, pilot: Pilot) -> None:
    await pilot.press("ctrl+p", *"Randomise", "enter")
    await until(pilot, lambda: app.session.params != Params(), what="new settings")
    drawn = app.session.params
    await pilot.press("b", "ctrl+p", *"Morph 10 % towards slot A", "enter")
    await until(pilot, lambda: app.session.morph_fraction == pytest.approx(0.9), what="morph")
    assert app.session.slots["A"] == drawn
