"""The command palette: every action of the workstation by its description."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from grutui.ui.help import key_label


def _actions(provider: Provider) -> Iterator[tuple[str, str, str]]:
    """(description, keys, action) of the main screen's and the app's bindings."""
    from grutui.ui.main_screen import MainScreen

    seen = set()
    for binding in [*MainScreen.BINDINGS, *type(provider.app).BINDINGS]:
        if isinstance(binding, Binding) and binding.description and binding.action not in seen:
            seen.add(binding.action)
            yield binding.description, key_label(binding.key), binding.action


class WorkstationCommands(Provider):
    """Lists every action; running one is the same as pressing its key."""

    async def _run(self, action: str) -> None:
        from grutui.ui.main_screen import MainScreen

        main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
        target = main if main is not None and action != "quit" else self.app
        await target.run_action(action)

    async def discover(self) -> Hits:
        for description, keys, action in _actions(self):
            yield DiscoveryHit(description, partial(self._run, action), help=f"key: {keys}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, keys, action in _actions(self):
            score = matcher.match(description)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(description),
                    partial(self._run, action),
                    help=f"key: {keys}",
                )
