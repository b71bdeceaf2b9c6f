"""Fixtures of the workstation tests.

An ``async def`` test runs in its own event loop. If it asks for ``pilot``, the ``app`` fixture
(the workstation on the demo sound, no audio probe; a test module may override it) is running
at 120x40, or at the size of a ``@pytest.mark.size(width, height)`` mark, for the whole test
(with notifications on screen under ``@pytest.mark.toasts``):

    async def test_right_steps_wf(app: GrutuiApp, pilot: Pilot) -> None:
        await pilot.press("right")
        assert app.session.params.Wf == 0.6

User presets and the audio log live in the test's temporary folder, which is also the
current folder.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import pytest

from grutui.ui.app import GrutuiApp

DEFAULT_SIZE = (120, 40)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "size(width, height): terminal size of the app under test")
    config.addinivalue_line("markers", "toasts: show notifications (run_test hides them)")


@pytest.fixture(autouse=True)
def isolated_ui_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """User presets and the audio log in tmp_path; tmp_path is also the current folder."""
    config = tmp_path / "config"
    monkeypatch.setenv("GRUTUI_CONFIG_DIR", str(config))
    monkeypatch.setenv("GRUTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return config


@pytest.fixture
def app() -> GrutuiApp:
    """The workstation on the demo sound, without probing for an audio device."""
    return GrutuiApp(check_audio=False)


@pytest.fixture
def pilot(app: GrutuiApp) -> None:
    """Stands for the running ``app``'s pilot; ``pytest_pyfunc_call`` puts it in."""
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests, with the ``app`` running when they ask for ``pilot``."""
    test = pyfuncitem.obj
    if not inspect.iscoroutinefunction(test):
        return None
    names = inspect.signature(test).parameters
    arguments: dict[str, Any] = {name: pyfuncitem.funcargs[name] for name in names}
    mark = pyfuncitem.get_closest_marker("size")
    size = tuple(mark.args) if mark is not None else DEFAULT_SIZE

    async def main() -> None:
        if "pilot" not in arguments:
            await test(**arguments)
            return
        app: GrutuiApp = pyfuncitem.funcargs["app"]  # type: ignore[assignment]
        toasts = pyfuncitem.get_closest_marker("toasts") is not None
        async with app.run_test(size=size, notifications=toasts) as pilot:
            arguments["pilot"] = pilot
            await test(**arguments)

    asyncio.run(main())
    return True
